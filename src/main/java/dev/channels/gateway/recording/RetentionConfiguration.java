package dev.channels.gateway.recording;

import java.time.Duration;

import reactor.core.scheduler.Scheduler;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires retention ({@code channels.retention}): its passes run on every instance, through
 * the outcome writes' pool, never the pool that new requests' rows go through.
 */
@Configuration(proxyBeanMethods = false)
class RetentionConfiguration {

	// One batch is a few milliseconds on an idle database; a batch that takes this long
	// is
	// given up and tried again at the next pass.
	private static final Duration BATCH_TIMEOUT = Duration.ofSeconds(30);

	// On shutdown, the wait for the batch that runs; it is cut off after.
	private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

	@Bean
	ExpiredRecords expiredRecords(OutcomeDatabase outcomeDatabase, Scheduler recordingScheduler,
			ChannelsProperties properties) {
		return new ExpiredRecords(outcomeDatabase.client(), properties.retention(), recordingScheduler, BATCH_TIMEOUT);
	}

	@Bean
	RetentionLifecycle retentionLifecycle(ExpiredRecords expiredRecords, Scheduler recordingScheduler,
			RecordingMetrics metrics) {
		RetentionLifecycle lifecycle = new RetentionLifecycle(expiredRecords, recordingScheduler, STOP_TIMEOUT);
		metrics.bind(expiredRecords, lifecycle);
		return lifecycle;
	}

}
