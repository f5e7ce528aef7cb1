package dev.channels.gateway.recording;

import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

import dev.channels.gateway.observer.ObservingFilter;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.r2dbc.core.DatabaseClient;

/**
 * Wires the recording observer into the gateway.
 */
@Configuration(proxyBeanMethods = false)
class RecordingConfiguration {

	@Bean
	RequestRecords requestRecords(DatabaseClient database, JsonMapper json) {
		return new RequestRecords(database, json);
	}

	@Bean(destroyMethod = "dispose")
	Scheduler recordingScheduler(ChannelsProperties properties) {
		ChannelsProperties.Persistence persistence = properties.persistence();
		return Schedulers.newBoundedElastic(persistence.concurrency(), persistence.queueSize(), "channels-recording");
	}

	@Bean
	CompletionQueue completionQueue(RequestRecords records, Scheduler recordingScheduler,
			ChannelsProperties properties) {
		CompletionWriter writer = new CompletionWriter(records);
		return new CompletionQueue(writer::write, recordingScheduler, properties.persistence().concurrency(),
				properties.persistence().queueSize());
	}

	@Bean
	RecordingObserver recordingObserver(RequestRecords records, CompletionQueue completionQueue,
			ChannelsProperties properties) {
		return new RecordingObserver(records, completionQueue, new HeaderRedactor(properties.redactedHeaders()));
	}

	@Bean
	ObservingFilter<RecordingState> observingFilter(RecordingObserver observer, ChannelsProperties properties) {
		return new ObservingFilter<>(observer, (int) properties.previewSize().toBytes());
	}

}
