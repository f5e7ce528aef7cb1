package dev.channels.gateway.recording;

import dev.channels.gateway.observer.ExchangeOutcome;

/**
 * The final state of a recorded request, as stored in {@code channel_requests.state}. The
 * row is inserted {@code pending} (the column's default) and closed with one of these.
 */
enum RequestState {

	/** The sink answered 2xx or 3xx and the client got the whole response. */
	SUCCESS,

	/** The sink answered 4xx or 5xx and the client got the whole response. */
	FAILED,

	/** The sink did not connect or answer within its timeout. */
	TIMEOUT,

	/**
	 * The response was not delivered whole: the sink or the client broke the exchange.
	 */
	ERROR;

	static RequestState of(ExchangeOutcome.Kind kind, Integer status) {
		return switch (kind) {
			case DELIVERED -> (status != null && status >= 400) ? FAILED : SUCCESS;
			case TIMED_OUT -> TIMEOUT;
			default -> ERROR;
		};
	}

	String column() {
		return name().toLowerCase(java.util.Locale.ROOT);
	}

}
