package dev.channels.gateway.recording;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The meters that recording updates on every request, named and tagged in Micrometer's
 * conventions: dotted names, base units, and only low-cardinality tags (the channel id
 * and the state, never a path or a request id). Prometheus renders
 * {@code channels.requests} as {@code channels_requests_total},
 * {@code channels.request.latency} as {@code channels_request_latency_seconds_bucket},
 * and so on. Every meter is looked up once (per channel and state, or per outcome), never
 * built on the request path. The meters read as they are scraped are
 * {@link BacklogMetrics}.
 */
class RecordingMetrics {

	/** Rejected requests: refused before forwarding, with no outcome to record. */
	static final String REJECTED = "rejected";

	// From a local sink's few milliseconds to a slow one's minute.
	private static final Duration[] EXCHANGE_BUCKETS = { Duration.ofMillis(5), Duration.ofMillis(10),
			Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
			Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5),
			Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(60) };

	// Database statements: sub-millisecond on a local database, seconds when it
	// struggles.
	private static final Duration[] STATEMENT_BUCKETS = { Duration.ofMillis(1), Duration.ofMillis(2),
			Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
			Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
			Duration.ofSeconds(2), Duration.ofSeconds(5) };

	private final MeterRegistry registry;

	private final Map<String, Counter> requests = new ConcurrentHashMap<>();

	private final Map<String, ChannelMeters> channels = new ConcurrentHashMap<>();

	private final Map<String, Timer> inserts = new ConcurrentHashMap<>();

	private final Map<String, Timer> writes = new ConcurrentHashMap<>();

	RecordingMetrics(MeterRegistry registry) {
		this.registry = registry;
	}

	/** A finished exchange: its state, timings and body sizes. */
	void exchangeFinished(String channel, String state, Duration latency, Duration ttfb, long requestBytes,
			long responseBytes) {
		this.requests
			.computeIfAbsent(channel + "\n" + state, (key) -> Counter.builder("channels.requests")
				.description("Requests through a channel, by recorded state ('rejected': refused before forwarding)")
				.tag("channel", channel)
				.tag("state", state)
				.register(this.registry))
			.increment();
		ChannelMeters meters = this.channels.computeIfAbsent(channel, this::channelMeters);
		meters.latency().record(latency);
		if (!ttfb.isNegative()) {
			meters.ttfb().record(ttfb);
		}
		meters.requestBytes().increment(requestBytes);
		meters.responseBytes().increment(responseBytes);
	}

	/**
	 * The insert of a new request's row: {@code written}, {@code failed} or
	 * {@code timed_out}.
	 */
	void inserted(long nanos, String outcome) {
		this.inserts
			.computeIfAbsent(outcome,
					(key) -> statementTimer("channels.recording.insert",
							"Writing a new request's row before it is forwarded", key))
			.record(nanos, TimeUnit.NANOSECONDS);
	}

	/**
	 * The writing of one outcome, retries included: {@code written}, {@code error}
	 * (closed as error instead) or {@code failed} (not written at all).
	 */
	void outcomeWritten(long nanos, String outcome) {
		this.writes
			.computeIfAbsent(outcome,
					(key) -> statementTimer("channels.recording.write", "Writing one outcome, retries included", key))
			.record(nanos, TimeUnit.NANOSECONDS);
	}

	private Timer statementTimer(String name, String description, String outcome) {
		return Timer.builder(name)
			.description(description)
			.tag("outcome", outcome)
			.serviceLevelObjectives(STATEMENT_BUCKETS)
			.register(this.registry);
	}

	private ChannelMeters channelMeters(String channel) {
		return new ChannelMeters(
				exchangeTimer("channels.request.latency", "From the request's arrival to the end of its exchange",
						channel),
				exchangeTimer("channels.request.ttfb", "From the request's arrival to the sink's response headers",
						channel),
				bytes("channels.request.body", "Request body bytes read from clients", channel),
				bytes("channels.response.body", "Response body bytes relayed to clients", channel));
	}

	private Timer exchangeTimer(String name, String description, String channel) {
		return Timer.builder(name)
			.description(description)
			.tag("channel", channel)
			.serviceLevelObjectives(EXCHANGE_BUCKETS)
			.register(this.registry);
	}

	private Counter bytes(String name, String description, String channel) {
		return Counter.builder(name)
			.description(description)
			.baseUnit("bytes")
			.tag("channel", channel)
			.register(this.registry);
	}

	private record ChannelMeters(Timer latency, Timer ttfb, Counter requestBytes, Counter responseBytes) {
	}

}
