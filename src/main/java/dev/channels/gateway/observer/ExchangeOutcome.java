package dev.channels.gateway.observer;

import java.net.URI;
import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * How an exchange ended.
 *
 * @param kind what happened
 * @param failure what went wrong, in words; {@code null} when the response was delivered
 * @param sinkUrl the URL the gateway forwarded to or tried to reach; {@code null} when it
 * never tried
 * @param requestBody the request body as read from the client
 * @param responseBody the response body as relayed to the client; {@code null} when the
 * gateway relayed no response from the sink
 * @param latency from the request's arrival to the end of the exchange
 * @param clientStatus the status the client got, when the gateway knows it at the end
 * @param sinkTiming where the time went between the gateway and the sink
 */
public record ExchangeOutcome(Kind kind, @Nullable String failure, @Nullable URI sinkUrl, BodySummary requestBody,
		@Nullable BodySummary responseBody, Duration latency, @Nullable Integer clientStatus, SinkTiming sinkTiming) {

	/**
	 * An outcome without sink timing ({@link SinkTiming#NONE}).
	 */
	public ExchangeOutcome(Kind kind, @Nullable String failure, @Nullable URI sinkUrl, BodySummary requestBody,
			@Nullable BodySummary responseBody, Duration latency, @Nullable Integer clientStatus) {
		this(kind, failure, sinkUrl, requestBody, responseBody, latency, clientStatus, SinkTiming.NONE);
	}

	/**
	 * The ways an exchange can end.
	 */
	public enum Kind {

		/** The response reached the client whole. */
		DELIVERED,

		/** The observer refused the exchange; nothing was forwarded. */
		REJECTED,

		/** The sink did not connect or answer in time; the client got 504. */
		TIMED_OUT,

		/**
		 * The sink was unreachable or broke the exchange: refused connection, unknown
		 * host, reset, closed before or in the middle of its response; or what the
		 * gateway needs to reach it (its credentials) could not be had
		 * ({@link NotForwardedException}).
		 */
		SINK_FAILED,

		/**
		 * The client went away, or broke its request body, before the response was
		 * delivered whole.
		 */
		CLIENT_ABORTED,

		/** The gateway itself failed. */
		INTERNAL_ERROR

	}

}
