package dev.channels.gateway.recording;

import java.util.function.Predicate;

import io.micrometer.core.instrument.MeterRegistry;
import io.r2dbc.spi.ConnectionFactory;
import reactor.core.scheduler.Scheduler;
import tools.jackson.databind.json.JsonMapper;

import dev.channels.gateway.ChannelsProperties;
import dev.channels.gateway.channel.ChannelPolicies;
import dev.channels.gateway.channel.Redaction;
import dev.channels.gateway.database.OutcomeDatabase;
import dev.channels.gateway.observer.ObservingFilter;
import dev.channels.gateway.observer.SinkTimingCustomizer;
import dev.channels.gateway.recovery.InstanceLease;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.cloud.gateway.config.GatewayProperties;
import org.springframework.cloud.gateway.filter.headers.TrustedProxies;
import org.springframework.cloud.gateway.route.RouteDefinitionLocator;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.StringUtils;

/**
 * Wires the recording observer into the gateway. With {@code channels.recording.enabled}
 * false, none of it exists: the gateway proxies as plain Spring Cloud Gateway.
 */
@Configuration(proxyBeanMethods = false)
class RecordingConfiguration {

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBooleanProperty(name = "channels.recording.enabled", matchIfMissing = true)
	static class Enabled {

		@Bean
		RecordingStatements recordingStatements(ConnectionFactory connectionFactory, OutcomeDatabase outcomeDatabase,
				JsonMapper json, InstanceLease lease) {
			return new RecordingStatements(connectionFactory, outcomeDatabase.pool(), json, lease.id());
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
		OutcomeWriter outcomeWriter(RecordingStatements statements, ChannelsProperties properties,
				PersistenceFailures failures, RecordingMetrics metrics) {
			return new OutcomeWriter(statements, properties.persistence().writeTimeout(),
					properties.persistence().retry(), failures, metrics);
		}

		@Bean
		OutcomeQueue outcomeQueue(OutcomeWriter writer, Scheduler recordingScheduler, ChannelsProperties properties) {
			ChannelsProperties.Persistence persistence = properties.persistence();
			return new OutcomeQueue(writer::write, recordingScheduler, persistence.concurrency(),
					persistence.batchSize(), persistence.outcomeLinger(), persistence.queueSize(),
					persistence.whenFull());
		}

		@Bean
		BacklogMetrics backlogMetrics(OutcomeQueue outcomes, OutcomeWriter writer, PendingInserts inserts,
				PersistenceFailures failures) {
			return new BacklogMetrics(outcomes, writer, inserts, failures);
		}

		@Bean
		ChannelPolicies channelPolicies(ChannelsProperties properties) {
			return new ChannelPolicies((int) properties.previewSize().toBytes(), new Redaction(
					properties.redactedHeaders(), properties.redactedQueryParams(), properties.redactedBodyFields()));
		}

		// A channel with invalid overrides in its metadata stops the start, rather than
		// running with settings it did not ask for.
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
		PendingInserts pendingInserts(RecordingStatements statements, ChannelsProperties properties) {
			ChannelsProperties.Persistence persistence = properties.persistence();
			return new PendingInserts(statements::insertPending, persistence.insertConcurrency(),
					persistence.batchSize(), persistence.insertQueueSize(), persistence.insertTimeout());
		}

		@Bean
		RecordingObserver recordingObserver(PendingInserts inserts, OutcomeQueue outcomes, ChannelPolicies policies,
				ChannelSnapshots snapshots, ChannelsProperties properties, PersistenceFailures failures,
				RecordingMetrics metrics) {
			return new RecordingObserver(inserts, outcomes, policies, snapshots,
					properties.persistence().insertTimeout(), failures, metrics);
		}

		@Bean
		ObservingFilter<RecordingState> observingFilter(RecordingObserver observer, ChannelPolicies policies,
				ChannelsProperties properties, GatewayProperties gateway) {
			// Spring Cloud Gateway's own trusted proxies: what the sink is told in
			// X-Forwarded-For and what is recorded as the client come from one setting.
			String trustedProxies = gateway.getTrustedProxies();
			Predicate<String> trustedProxy = StringUtils.hasText(trustedProxies)
					? TrustedProxies.from(trustedProxies)::isTrusted : (address) -> false;
			return new ObservingFilter<>(observer, (route) -> policies.policy(route).previewLimit(),
					properties.unreadBodyLimit().toBytes(), trustedProxy);
		}

		// Spring Cloud Gateway applies it to the HTTP client it forwards with.
		@Bean
		SinkTimingCustomizer sinkTimingCustomizer() {
			return new SinkTimingCustomizer();
		}

		@Bean
		OutcomeDrain outcomeDrain(RecordingObserver observer, OutcomeQueue outcomes, ChannelsProperties properties) {
			return new OutcomeDrain(observer, outcomes, properties.persistence().shutdownTimeout());
		}

		@Bean
		RecordingHealthIndicator recordingHealthIndicator(OutcomeQueue outcomes, OutcomeWriter writer,
				PersistenceFailures failures) {
			return new RecordingHealthIndicator(outcomes, writer, failures);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBooleanProperty(name = "channels.recording.enabled", havingValue = false)
	static class Disabled {

		// The readiness group names the recording indicator; with nothing recorded there
		// is
		// nothing to be unready for, and the health says so rather than leaving the group
		// with a member that does not exist.
		@Bean
		HealthIndicator recordingHealthIndicator() {
			return () -> Health.up().withDetail("enabled", false).build();
		}

	}

}
