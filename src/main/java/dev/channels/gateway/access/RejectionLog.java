package dev.channels.gateway.access;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Logs refused clients at a bounded rate: at most one line per channel every
 * {@link #INTERVAL}, which counts the refusals it did not log. A client that hammers a
 * channel with wrong keys fills the metric, not the log. No line holds a credential.
 */
final class RejectionLog {

	static final Duration INTERVAL = Duration.ofSeconds(10);

	private static final Log logger = LogFactory.getLog(RejectionLog.class);

	private final Map<String, Window> windows = new ConcurrentHashMap<>();

	void refused(String channelId, Verdict.Refused refusal, @Nullable String client) {
		Window window = this.windows.computeIfAbsent(channelId, (id) -> new Window());
		long now = System.nanoTime();
		long last = window.loggedAt.get();
		if (last != Window.NEVER && now - last < INTERVAL.toNanos() || !window.loggedAt.compareAndSet(last, now)) {
			window.unlogged.incrementAndGet();
			return;
		}
		int unlogged = window.unlogged.getAndSet(0);
		logger.warn("Channel " + channelId + " refused a client" + ((client != null) ? " at " + client : "") + " ("
				+ refusal.reason() + "): " + refusal.message()
				+ ((unlogged > 0) ? "; " + unlogged + " more refused since the last line" : ""));
	}

	private static final class Window {

		static final long NEVER = Long.MIN_VALUE;

		final AtomicLong loggedAt = new AtomicLong(NEVER);

		final AtomicInteger unlogged = new AtomicInteger();

	}

}
