package dev.channels.gateway.recording;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The {@code recording} health: DOWN while new requests are refused because the
 * completion backlog is full; its details tell the backlog and the persistence failures
 * since start, with the latest one. The database's own health is the {@code r2dbc}
 * indicator's.
 */
class RecordingHealthIndicator implements HealthIndicator {

	private final CompletionQueue completions;

	private final CompletionWriter writer;

	private final PersistenceFailures failures;

	RecordingHealthIndicator(CompletionQueue completions, CompletionWriter writer, PersistenceFailures failures) {
		this.completions = completions;
		this.writer = writer;
		this.failures = failures;
	}

	@Override
	public Health health() {
		boolean refusing = this.completions.rejectsWhenFull() && this.completions.full();
		Health.Builder health = (refusing ? Health.down() : Health.up())
			.withDetail("backlog", this.completions.backlog())
			.withDetail("capacity", this.completions.capacity())
			.withDetail("dropped", this.completions.dropped())
			.withDetail("insertFailures", this.failures.insertFailures())
			.withDetail("writeRetries", this.writer.retries())
			.withDetail("writeFailures", this.failures.writeFailures());
		PersistenceFailures.Latest latest = this.failures.latest();
		if (latest != null) {
			health.withDetail("latestFailure", latest.at() + " " + latest.what());
		}
		return health.build();
	}

}
