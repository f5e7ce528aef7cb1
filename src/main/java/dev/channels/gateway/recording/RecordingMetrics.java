package dev.channels.gateway.recording;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The meters of recording, named and tagged in Micrometer's conventions: dotted names,
 * base units, and only low-cardinality tags (the channel id and the state, never a path
 * or a request id). Prometheus renders {@code channels.requests} as
 * {@code channels_requests_total}, {@code channels.request.latency} as
 * {@code channels_request_latency_seconds_bucket}, and so on.
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

	RecordingMetrics(MeterRegistry registry) {
		this.registry = registry;
	}

	/** A finished exchange: its state, timings and body sizes. */
	void exchangeFinished(String channel, String state, Duration latency, Duration ttfb, long requestBytes,
			long responseBytes) {
		// Looked up once per channel and state, not built per request on the request
		// path.
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

	private ChannelMeters channelMeters(String channel) {
		return new ChannelMeters(
				timer("channels.request.latency", "From the request's arrival to the end of its exchange", channel),
				timer("channels.request.ttfb", "From the request's arrival to the sink's response headers", channel),
				bytes("channels.request.body", "Request body bytes read from clients", channel),
				bytes("channels.response.body", "Response body bytes relayed to clients", channel));
	}

	/**
	 * The insert of a new request's row: {@code written}, {@code failed} or
	 * {@code timed_out}.
	 */
	void inserted(long nanos, String outcome) {
		Timer.builder("channels.recording.insert")
			.description("Writing a new request's row before it is forwarded")
			.tag("outcome", outcome)
			.serviceLevelObjectives(STATEMENT_BUCKETS)
			.register(this.registry)
			.record(Duration.ofNanos(nanos));
	}

	/**
	 * The writing of one outcome, retries included: {@code written}, {@code error}
	 * (closed as error instead) or {@code failed} (not written at all).
	 */
	void outcomeWritten(long nanos, String outcome) {
		Timer.builder("channels.recording.write")
			.description("Writing one outcome, retries included")
			.tag("outcome", outcome)
			.serviceLevelObjectives(STATEMENT_BUCKETS)
			.register(this.registry)
			.record(Duration.ofNanos(nanos));
	}

	/** Meters read from the backlog, the writer and the failures as they are scraped. */
	void bind(CompletionQueue completions, CompletionWriter writer, PersistenceFailures failures) {
		Gauge.builder("channels.recording.backlog", completions, CompletionQueue::backlog)
			.description("Outcomes waiting to be written or being written")
			.register(this.registry);
		Gauge.builder("channels.recording.backlog.capacity", completions, CompletionQueue::capacity)
			.description("Outcomes that may wait before the backlog is full")
			.register(this.registry);
		FunctionCounter.builder("channels.recording.write.retries", writer, CompletionWriter::retries)
			.description("Retries of outcome writes that failed for a passing reason")
			.register(this.registry);
		FunctionCounter.builder("channels.recording.write.failures", failures, PersistenceFailures::writeFailures)
			.description("Outcomes that could not be written at all")
			.register(this.registry);
		FunctionCounter.builder("channels.recording.insert.failures", failures, PersistenceFailures::insertFailures)
			.description("Requests refused because their row could not be written")
			.register(this.registry);
		FunctionCounter.builder("channels.recording.dropped", completions, CompletionQueue::dropped)
			.description("Outcomes dropped because the backlog was full (when-full: drop)")
			.register(this.registry);
	}

	/** Meters of retention, read from its running totals as they are scraped. */
	void bind(ExpiredRecords records, RetentionLifecycle retention) {
		FunctionCounter.builder("channels.retention.deleted", records, ExpiredRecords::deleted)
			.description("Requests deleted with their events for being older than channels.retention.max-age")
			.register(this.registry);
		FunctionCounter.builder("channels.retention.wiped", records, ExpiredRecords::wiped)
			.description("Events whose previews and header values were wiped for being older than "
					+ "channels.retention.wipe-after")
			.register(this.registry);
		FunctionCounter.builder("channels.retention.failures", retention, RetentionLifecycle::failures)
			.description("Retention passes that failed; each is tried again at the next interval")
			.register(this.registry);
	}

	private Timer timer(String name, String description, String channel) {
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
