package dev.channels.gateway.recovery;

import reactor.core.scheduler.Scheduler;

import dev.channels.gateway.ChannelsProperties;
import dev.channels.gateway.database.OutcomeDatabase;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires crash recovery ({@code channels.instance}): this instance's lease, and the sweeps
 * of what instances that lost theirs left pending, through the outcome writes' pool.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty(name = "channels.recording.enabled", matchIfMissing = true)
class RecoveryConfiguration {

	@Bean
	InstanceLease instanceLease(OutcomeDatabase outcomeDatabase, ChannelsProperties properties) {
		return new InstanceLease(outcomeDatabase.client(), InstanceLease.newInstanceId(),
				properties.instance().leaseDuration());
	}

	@Bean
	RecoveryLifecycle recoveryLifecycle(InstanceLease lease, OutcomeDatabase outcomeDatabase,
			Scheduler recordingScheduler) {
		return new RecoveryLifecycle(lease, new AbandonedRequests(outcomeDatabase.client(), lease.id()),
				recordingScheduler);
	}

}
