package dev.channels.gateway.recording;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * The meters of recording that are read as they are scraped: the outcome backlog, retries
 * and failures. The meters updated on every request are {@link RecordingMetrics}.
 */
class BacklogMetrics implements MeterBinder {

	private final OutcomeQueue outcomes;

	private final OutcomeWriter writer;

	private final PendingInserts inserts;

	private final PersistenceFailures failures;

	BacklogMetrics(OutcomeQueue outcomes, OutcomeWriter writer, PendingInserts inserts, PersistenceFailures failures) {
		this.outcomes = outcomes;
		this.writer = writer;
		this.inserts = inserts;
		this.failures = failures;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		Gauge.builder("channels.recording.backlog", this.outcomes, OutcomeQueue::backlog)
			.description("Outcomes waiting to be written or being written")
			.register(registry);
		Gauge.builder("channels.recording.backlog.capacity", this.outcomes, OutcomeQueue::capacity)
			.description("Outcomes that may wait before the backlog is full")
			.register(registry);
		FunctionCounter.builder("channels.recording.write.retries", this.writer, OutcomeWriter::retries)
			.description("Retries of outcome writes that failed for a passing reason")
			.register(registry);
		FunctionCounter.builder("channels.recording.write.failures", this.failures, PersistenceFailures::writeFailures)
			.description("Outcomes that could not be written at all")
			.register(registry);
		FunctionCounter
			.builder("channels.recording.insert.failures", this.failures, PersistenceFailures::insertFailures)
			.description("Requests refused because their row could not be written")
			.register(registry);
		FunctionCounter.builder("channels.recording.insert.overflow", this.inserts, PendingInserts::overflowed)
			.description("Requests answered 503 at once because insert-queue-size others waited for their rows")
			.register(registry);
		FunctionCounter.builder("channels.recording.insert.expired", this.inserts, PendingInserts::expired)
			.description("Requests whose row was never sent because they waited past insert-timeout")
			.register(registry);
		FunctionCounter.builder("channels.recording.dropped", this.outcomes, OutcomeQueue::dropped)
			.description("Outcomes dropped because the backlog was full (when-full: drop)")
			.register(registry);
	}

}
