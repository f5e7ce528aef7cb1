package dev.channels.gateway.recording;

import dev.channels.gateway.observer.ExchangeOutcome;

/**
 * The derived state of a recorded request, as stored in {@code channel_requests.state}.
 */
enum ChannelState {

	/** Recorded before forwarding; the outcome is not known yet. */
	PENDING,

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

	static ChannelState of(ExchangeOutcome.Kind kind, Integer status) {
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
