package dev.channels.gateway.observer;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

/**
 * Where an exchange's time went on the way to the sink and back, measured with the
 * monotonic clock from the gateway's HTTP client hooks ({@link SinkTimingCustomizer}).
 * With a retried exchange, each value is the last attempt's.
 *
 * @param connect how long establishing a new connection to the sink took (TCP connect,
 * and TLS handshake when there is one; after the sink's name was resolved); {@code null}
 * when a pooled connection was reused or no connection was had
 * @param reusedConnection whether the request went out on a pooled connection that an
 * earlier request had used; {@code null} when the request never got a connection
 * @param requestSent from the request's arrival to the last request byte written to the
 * sink; {@code null} when the request was never sent whole
 * @param response from the sink's response headers to the last response byte relayed to
 * the client; {@code null} when the response was not delivered whole
 */
public record SinkTiming(@Nullable Duration connect, @Nullable Boolean reusedConnection, @Nullable Duration requestSent,
		@Nullable Duration response) {

	/** Nothing was measured: the exchange never reached the gateway's HTTP client. */
	public static final SinkTiming NONE = new SinkTiming(null, null, null, null);

}
