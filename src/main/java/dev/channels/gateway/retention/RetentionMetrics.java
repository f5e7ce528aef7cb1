package dev.channels.gateway.retention;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * The meters of retention, read from its running totals as they are scraped.
 */
class RetentionMetrics implements MeterBinder {

	private final RetentionStatements statements;

	private final RetentionLifecycle lifecycle;

	RetentionMetrics(RetentionStatements statements, RetentionLifecycle lifecycle) {
		this.statements = statements;
		this.lifecycle = lifecycle;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		FunctionCounter.builder("channels.retention.deleted", this.statements, RetentionStatements::deleted)
			.description("Requests deleted with their events for being older than channels.retention.max-age")
			.register(registry);
		FunctionCounter.builder("channels.retention.wiped", this.statements, RetentionStatements::wiped)
			.description("Events whose previews and header values were wiped for being older than "
					+ "channels.retention.wipe-after")
			.register(registry);
		FunctionCounter.builder("channels.retention.failures", this.lifecycle, RetentionLifecycle::failures)
			.description("Retention passes that failed; each is tried again at the next interval")
			.register(registry);
	}

}
