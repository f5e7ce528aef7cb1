package dev.channels.gateway.retention;

import java.time.Duration;

import reactor.core.scheduler.Scheduler;

import dev.channels.gateway.ChannelsProperties;
import dev.channels.gateway.database.OutcomeDatabase;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires retention ({@code channels.retention}): its passes run on every instance, through
 * the outcome writes' pool, never the pool that new requests' rows go through.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty(name = "channels.recording.enabled", matchIfMissing = true)
class RetentionConfiguration {

	// One batch is a few milliseconds on an idle database; a batch that takes this long
	// is
	// given up and tried again at the next pass.
	private static final Duration BATCH_TIMEOUT = Duration.ofSeconds(30);

	// On shutdown, the wait for the batch that runs; it is cut off after.
	private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

	@Bean
	RetentionStatements retentionStatements(OutcomeDatabase outcomeDatabase, Scheduler recordingScheduler,
			ChannelsProperties properties) {
		return new RetentionStatements(outcomeDatabase.client(), properties.retention(), recordingScheduler,
				BATCH_TIMEOUT);
	}

	@Bean
	RetentionLifecycle retentionLifecycle(RetentionStatements statements, Scheduler recordingScheduler) {
		return new RetentionLifecycle(statements, recordingScheduler, STOP_TIMEOUT);
	}

	@Bean
	RetentionMetrics retentionMetrics(RetentionStatements statements, RetentionLifecycle lifecycle) {
		return new RetentionMetrics(statements, lifecycle);
	}

}
