package dev.channels.gateway.database;

import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.r2dbc.spi.ConnectionFactory;
import org.junit.jupiter.api.Test;

import dev.channels.gateway.support.GatewayIntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.r2dbc.autoconfigure.R2dbcProperties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The outcome writes' pool takes Spring Boot's pool settings and exports Spring Boot's
 * pool meters under its own name.
 */
class OutcomeDatabaseIntegrationTests extends GatewayIntegrationTest {

	@Autowired
	private ConnectionFactory connectionFactory;

	@Autowired
	private MeterRegistry meterRegistry;

	@Test
	void theApplicationsPoolMetersHaveTheOutcomeAndHistoryPoolsNextToThem() {
		assertThat(this.meterRegistry.find("r2dbc.pool.max.allocated").tag("name", "channels-history").gauge())
			.isNotNull();
		assertThat(this.meterRegistry.find("r2dbc.pool.max.allocated").tag("name", "channels-outcomes").gauge())
			.isNotNull();
		assertThat(this.meterRegistry.find("r2dbc.pool.max.allocated").tag("name", "connectionFactory").gauge())
			.isNotNull();
	}

	@Test
	void theValidationQueryOfTheApplicationsPoolSettingsIsRunOnEveryConnection() {
		R2dbcProperties.Pool failingValidation = new R2dbcProperties.Pool();
		failingValidation.setValidationQuery("SELECT 1/0");
		failingValidation.setMaxAcquireTime(Duration.ofSeconds(2));
		R2dbcProperties.Pool validation = new R2dbcProperties.Pool();
		validation.setValidationQuery("SELECT 1");
		OutcomeDatabase refusing = new OutcomeDatabase(this.connectionFactory, failingValidation, 1);
		OutcomeDatabase accepting = new OutcomeDatabase(this.connectionFactory, validation, 1);
		try {
			assertThatThrownBy(() -> refusing.client().sql("SELECT 2").fetch().one().block(Duration.ofSeconds(10)))
				.isNotNull();
			assertThat(accepting.client().sql("SELECT 2 AS two").fetch().one().block(Duration.ofSeconds(10)))
				.containsEntry("two", 2);
			SimpleMeterRegistry meters = new SimpleMeterRegistry();
			accepting.bindTo(meters);
			assertThat(meters.get("r2dbc.pool.max.allocated").tag("name", "channels-outcomes").gauge().value())
				.isEqualTo(1);
		}
		finally {
			refusing.destroy();
			accepting.destroy();
		}
	}

}
