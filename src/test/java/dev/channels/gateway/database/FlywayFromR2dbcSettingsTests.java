package dev.channels.gateway.database;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationPreparedEvent;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class FlywayFromR2dbcSettingsTests {

	@Test
	void flywayFollowsTheR2dbcSettingsWhenItHasNoneOfItsOwn() {
		StandardEnvironment environment = prepare(
				Map.of("spring.r2dbc.url", "r2dbc:postgresql://db.internal:6543/records?sslMode=require",
						"spring.r2dbc.username", "gateway", "spring.r2dbc.password", "secret"));

		assertThat(environment.getProperty("spring.flyway.url"))
			.isEqualTo("jdbc:postgresql://db.internal:6543/records");
		assertThat(environment.getProperty("spring.flyway.user")).isEqualTo("gateway");
		assertThat(environment.getProperty("spring.flyway.password")).isEqualTo("secret");
	}

	@Test
	void explicitFlywaySettingsWin() {
		StandardEnvironment environment = prepare(
				Map.of("spring.r2dbc.url", "r2dbc:pool:postgresql://a/b", "spring.r2dbc.username", "gateway",
						"spring.flyway.url", "jdbc:postgresql://migrations/b", "spring.flyway.user", "owner"));

		assertThat(environment.getProperty("spring.flyway.url")).isEqualTo("jdbc:postgresql://migrations/b");
		assertThat(environment.getProperty("spring.flyway.user")).isEqualTo("owner");
	}

	@Test
	void poolDriverUrlsAreUnderstood() {
		assertThat(FlywayFromR2dbcSettings.jdbcUrl("r2dbc:pool:postgresql://h:1/d"))
			.isEqualTo("jdbc:postgresql://h:1/d");
	}

	@Test
	void otherDatabasesAreRefusedWithTheReason() {
		assertThatIllegalArgumentException().isThrownBy(() -> FlywayFromR2dbcSettings.jdbcUrl("r2dbc:h2:mem:///x"))
			.withMessageContaining("spring.r2dbc.url");
	}

	private static StandardEnvironment prepare(Map<String, Object> properties) {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
		GenericApplicationContext context = new GenericApplicationContext();
		context.setEnvironment(environment);
		new FlywayFromR2dbcSettings()
			.onApplicationEvent(new ApplicationPreparedEvent(new SpringApplication(), new String[0], context));
		return environment;
	}

}
