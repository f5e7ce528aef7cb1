package dev.channels.gateway.observer;

import java.time.Duration;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * One exchange's readings from the gateway's HTTP client, filled by
 * {@link SinkTimingCustomizer}'s hooks on the sink connection's event loop and read when
 * the exchange ends. It travels to the hooks in the Reactor context of the filter chain,
 * which the gateway's routing filter subscribes the HTTP client in; being its own context
 * writer saves a lambda per exchange.
 */
final class SinkClock implements Function<Context, Context> {

	// System.nanoTime() can be any long; this one stands for "not yet".
	private static final long UNSET = Long.MIN_VALUE;

	private static final int NO_CONNECTION = 0;

	private static final int NEW_CONNECTION = 1;

	private static final int REUSED_CONNECTION = 2;

	private volatile int connection = NO_CONNECTION;

	private volatile long connectNanos = -1;

	private volatile long requestSentAt = UNSET;

	private volatile long responseAt = UNSET;

	static @Nullable SinkClock of(ContextView context) {
		return context.getOrDefault(SinkClock.class, null);
	}

	@Override
	public Context apply(Context context) {
		return context.put(SinkClock.class, this);
	}

	/**
	 * A request (an attempt, with retries) is about to go out.
	 * @param connectNanos how long its new connection took to establish, or -1 when it is
	 * on a reused one
	 */
	void requestStarting(boolean reused, long connectNanos) {
		this.connectNanos = connectNanos;
		this.requestSentAt = UNSET;
		this.responseAt = UNSET;
		this.connection = reused ? REUSED_CONNECTION : NEW_CONNECTION;
	}

	void requestSent(long nanos) {
		this.requestSentAt = nanos;
	}

	void responseStarted(long nanos) {
		this.responseAt = nanos;
	}

	/**
	 * The readings as durations.
	 * @param startNanos the request's arrival
	 * @param endNanos the end of the exchange
	 * @param delivered whether the response reached the client whole, its last byte at
	 * the end of the exchange
	 */
	SinkTiming timing(long startNanos, long endNanos, boolean delivered) {
		int connection = this.connection;
		if (connection == NO_CONNECTION) {
			return SinkTiming.NONE;
		}
		long connectNanos = this.connectNanos;
		long requestSentAt = this.requestSentAt;
		long responseAt = this.responseAt;
		return new SinkTiming((connectNanos >= 0) ? Duration.ofNanos(connectNanos) : null,
				connection == REUSED_CONNECTION,
				(requestSentAt != UNSET) ? Duration.ofNanos(Math.max(0, requestSentAt - startNanos)) : null,
				(responseAt != UNSET && delivered) ? Duration.ofNanos(Math.max(0, endNanos - responseAt)) : null);
	}

}
