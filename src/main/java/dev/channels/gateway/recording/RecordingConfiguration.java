package dev.channels.gateway.recording;

import io.micrometer.core.instrument.MeterRegistry;
import io.r2dbc.spi.ConnectionFactory;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

import dev.channels.gateway.channel.ChannelPolicies;
import dev.channels.gateway.channel.Redaction;
import dev.channels.gateway.observer.ObservingFilter;

import org.springframework.beans.factory.SmartInitializingSingleton;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.r2dbc.autoconfigure.R2dbcProperties;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.route.RouteDefinitionLocator;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires the recording observer into the gateway.
 */
@Configuration(proxyBeanMethods = false)
class RecordingConfiguration {

	// Outcome writes at full concurrency, plus one for the lease and the sweeps, plus one
	// for
	// retention when it has something to do.
	@Bean
	OutcomeDatabase outcomeDatabase(ConnectionFactory connectionFactory, R2dbcProperties r2dbc,
			ChannelsProperties properties) {
		ChannelsProperties.Retention retention = properties.retention();
		int size = properties.persistence().concurrency() + 1 + ((retention.deletes() || retention.wipes()) ? 1 : 0);
		return new OutcomeDatabase(connectionFactory, r2dbc.getPool(), size);
	}

	@Bean
	InstanceLease instanceLease(OutcomeDatabase outcomeDatabase, ChannelsProperties properties) {
		return new InstanceLease(outcomeDatabase.client(), InstanceLease.newInstanceId(),
				properties.instance().leaseDuration());
	}

	@Bean
	RequestRecords requestRecords(ConnectionFactory connectionFactory, OutcomeDatabase outcomeDatabase, JsonMapper json,
			InstanceLease lease) {
		return new RequestRecords(connectionFactory, outcomeDatabase.pool(), json, lease.id());
	}

	@Bean(destroyMethod = "dispose")
	Scheduler recordingScheduler(ChannelsProperties properties) {
		ChannelsProperties.Persistence persistence = properties.persistence();
		return Schedulers.newBoundedElastic(persistence.concurrency() + 1, persistence.queueSize(),
				"channels-recording");
	}

	@Bean
	PersistenceFailures persistenceFailures() {
		return new PersistenceFailures();
	}

	@Bean
	RecordingMetrics recordingMetrics(MeterRegistry registry) {
		return new RecordingMetrics(registry);
	}

	@Bean
	CompletionWriter completionWriter(RequestRecords records, ChannelsProperties properties,
			PersistenceFailures failures, RecordingMetrics metrics) {
		return new CompletionWriter(records, properties.persistence().writeTimeout(), properties.persistence().retry(),
				failures, metrics);
	}

	@Bean
	CompletionQueue completionQueue(CompletionWriter writer, Scheduler recordingScheduler,
			ChannelsProperties properties, PersistenceFailures failures, RecordingMetrics metrics) {
		ChannelsProperties.Persistence persistence = properties.persistence();
		CompletionQueue queue = new CompletionQueue(writer::write, recordingScheduler, persistence.concurrency(),
				persistence.batchSize(), persistence.queueSize(), persistence.whenFull());
		metrics.bind(queue, writer, failures);
		return queue;
	}

	@Bean
	ChannelPolicies channelPolicies(ChannelsProperties properties) {
		return new ChannelPolicies((int) properties.previewSize().toBytes(),
				new Redaction(properties.redactedHeaders(), properties.redactedQueryParams()));
	}

	// A channel with invalid overrides in its metadata stops the start, rather than
	// running
	// with settings it did not ask for.
	@Bean
	SmartInitializingSingleton channelPoliciesCheck(RouteLocator routes, ChannelPolicies policies) {
		return () -> routes.getRoutes().doOnNext(policies::policy).blockLast();
	}

	@Bean
	ChannelSnapshots channelSnapshots(ConnectionFactory connectionFactory, RouteLocator routes,
			RouteDefinitionLocator definitions, GatewayProperties gateway, ChannelPolicies policies) {
		return new ChannelSnapshots(connectionFactory, routes, definitions, gateway.getDefaultFilters(), policies);
	}

	@Bean
	RecordingObserver recordingObserver(RequestRecords records, CompletionQueue completionQueue,
			ChannelPolicies policies, ChannelSnapshots snapshots, ChannelsProperties properties,
			PersistenceFailures failures, RecordingMetrics metrics) {
		ChannelsProperties.Persistence persistence = properties.persistence();
		PendingInserts inserts = new PendingInserts(records::insertPending, persistence.insertConcurrency(),
				persistence.batchSize());
		return new RecordingObserver(inserts, completionQueue, policies, snapshots, persistence.insertTimeout(),
				failures, metrics);
	}

	// Without it the gateway proxies as plain Spring Cloud Gateway
	// (channels.recording.enabled).
	@Bean
	@ConditionalOnBooleanProperty(name = "channels.recording.enabled", matchIfMissing = true)
	ObservingFilter<RecordingState> observingFilter(RecordingObserver observer, ChannelPolicies policies) {
		return new ObservingFilter<>(observer, (route) -> policies.policy(route).previewLimit());
	}

	@Bean
	RecordingLifecycle recordingLifecycle(InstanceLease lease, OutcomeDatabase outcomeDatabase,
			RecordingObserver observer, CompletionQueue completionQueue, Scheduler recordingScheduler,
			ChannelsProperties properties) {
		return new RecordingLifecycle(lease, new AbandonedRequests(outcomeDatabase.client(), lease.id()), observer,
				completionQueue, recordingScheduler, properties.persistence().shutdownTimeout());
	}

	@Bean
	RecordingHealthIndicator recordingHealthIndicator(CompletionQueue completionQueue, CompletionWriter writer,
			PersistenceFailures failures) {
		return new RecordingHealthIndicator(completionQueue, writer, failures);
	}

}
