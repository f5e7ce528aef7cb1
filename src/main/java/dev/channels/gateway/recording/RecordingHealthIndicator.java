package dev.channels.gateway.recording;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * The {@code recording} health: DOWN while new requests are refused because the completion
 * backlog is full; its details tell the backlog and the outcome writes that failed.
 */
class RecordingHealthIndicator implements HealthIndicator {

	private final CompletionQueue completions;

	private final CompletionWriter writer;

	RecordingHealthIndicator(CompletionQueue completions, CompletionWriter writer) {
		this.completions = completions;
		this.writer = writer;
	}

	@Override
	public Health health() {
		boolean refusing = this.completions.rejectsWhenFull() && this.completions.full();
		return (refusing ? Health.down() : Health.up()).withDetail("backlog", this.completions.backlog())
			.withDetail("capacity", this.completions.capacity())
			.withDetail("dropped", this.completions.dropped())
			.withDetail("writeRetries", this.writer.retries())
			.withDetail("writeFailures", this.writer.failures())
			.build();
	}

}
