package dev.channels.gateway.recording;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The {@code recording} health: DOWN while new requests are refused because the outcome
 * backlog is full; its details tell the backlog and the persistence failures since start,
 * with the latest one. The database's own health is the {@code r2dbc} indicator's.
 */
class RecordingHealthIndicator implements HealthIndicator {

	private final OutcomeQueue outcomes;

	private final OutcomeWriter writer;

	private final PersistenceFailures failures;

	RecordingHealthIndicator(OutcomeQueue outcomes, OutcomeWriter writer, PersistenceFailures failures) {
		this.outcomes = outcomes;
		this.writer = writer;
		this.failures = failures;
	}

	@Override
	public Health health() {
		boolean refusing = this.outcomes.rejectsWhenFull() && this.outcomes.full();
		Health.Builder health = (refusing ? Health.down() : Health.up()).withDetail("backlog", this.outcomes.backlog())
			.withDetail("capacity", this.outcomes.capacity())
			.withDetail("dropped", this.outcomes.dropped())
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
