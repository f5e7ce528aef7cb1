package dev.channels.gateway.database;

import io.r2dbc.spi.ConnectionFactory;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import dev.channels.gateway.ChannelsProperties;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.r2dbc.autoconfigure.R2dbcProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * What the work off the request path shares: recording's outcome writes, recovery's lease
 * and sweeps, and retention's passes run through one connection pool and are timed on one
 * scheduler. None of it exists while recording is off.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty(name = "channels.recording.enabled", matchIfMissing = true)
class BackgroundWorkConfiguration {

	// Outcome writes at full concurrency, plus one for the lease and the sweeps, plus one
	// for retention when it has something to do.
	@Bean
	OutcomeDatabase outcomeDatabase(ConnectionFactory connectionFactory, R2dbcProperties r2dbc,
			ChannelsProperties properties) {
		ChannelsProperties.Retention retention = properties.retention();
		int size = properties.persistence().concurrency() + 1 + ((retention.deletes() || retention.wipes()) ? 1 : 0);
		return new OutcomeDatabase(connectionFactory, r2dbc.getPool(), size);
	}

	// Bounded: outcome writes subscribe here (building and encoding a statement never
	// runs on an I/O thread), and the lease's, the sweeper's and retention's timers tick
	// here.
	@Bean(destroyMethod = "dispose")
	Scheduler recordingScheduler(ChannelsProperties properties) {
		ChannelsProperties.Persistence persistence = properties.persistence();
		return Schedulers.newBoundedElastic(persistence.concurrency() + 1, persistence.queueSize(),
				"channels-recording");
	}

}
