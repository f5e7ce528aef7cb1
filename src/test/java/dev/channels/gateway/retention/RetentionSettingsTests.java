package dev.channels.gateway.retention;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.channels.gateway.ChannelsProperties;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RetentionSettingsTests {

	private final ApplicationContextRunner context = new ApplicationContextRunner()
		.withUserConfiguration(Settings.class);

	@Test
	void byDefaultNothingIsDeletedOrWiped() {
		ChannelsProperties.Retention retention = bind(Map.of()).retention();

		assertThat(retention.maxAge()).isZero();
		assertThat(retention.wipeAfter()).isZero();
		assertThat(retention.deletes()).isFalse();
		assertThat(retention.wipes()).isFalse();
		assertThat(retention.interval()).isEqualTo(Duration.ofMinutes(1));
		assertThat(retention.batchSize()).isEqualTo(1000);
		assertThat(retention.pause()).isEqualTo(Duration.ofMillis(100));
	}

	@Test
	void everyRetentionSettingCanBeChanged() {
		ChannelsProperties.Retention retention = bind(Map.of("channels.retention.max-age", "30d",
				"channels.retention.wipe-after", "7d", "channels.retention.interval", "10s",
				"channels.retention.batch-size", "250", "channels.retention.pause", "0s"))
			.retention();

		assertThat(retention.maxAge()).isEqualTo(Duration.ofDays(30));
		assertThat(retention.wipeAfter()).isEqualTo(Duration.ofDays(7));
		assertThat(retention.deletes()).isTrue();
		assertThat(retention.wipes()).isTrue();
		assertThat(retention.interval()).isEqualTo(Duration.ofSeconds(10));
		assertThat(retention.batchSize()).isEqualTo(250);
		assertThat(retention.pause()).isZero();
	}

	@Test
	void eitherAgeMayBeSetAlone() {
		assertThat(bind(Map.of("channels.retention.max-age", "30d")).retention().wipes()).isFalse();
		ChannelsProperties.Retention wipeOnly = bind(Map.of("channels.retention.wipe-after", "7d")).retention();
		assertThat(wipeOnly.wipes()).isTrue();
		assertThat(wipeOnly.deletes()).isFalse();
	}

	@Test
	void aWipeAfterThatIsNotShorterThanTheMaxAgeIsRefused() {
		for (String wipeAfter : new String[] { "30d", "31d" }) {
			assertThatThrownBy(
					() -> bind(Map.of("channels.retention.max-age", "30d", "channels.retention.wipe-after", wipeAfter)))
				.isInstanceOf(BindException.class)
				.rootCause()
				.hasMessageContaining("channels.retention.wipe-after (" + wipeAfter
						+ ") must be shorter than channels.retention.max-age (30d)");
		}
	}

	@Test
	void negativeAgesAndAnIntervalOfZeroAreRefused() {
		assertThatThrownBy(() -> bind(Map.of("channels.retention.max-age", "-1d"))).rootCause()
			.hasMessageContaining("channels.retention.max-age must not be negative");
		assertThatThrownBy(() -> bind(Map.of("channels.retention.wipe-after", "-1h"))).rootCause()
			.hasMessageContaining("channels.retention.wipe-after must not be negative");
		assertThatThrownBy(() -> bind(Map.of("channels.retention.interval", "0s"))).rootCause()
			.hasMessageContaining("channels.retention.interval must be positive");
		assertThatThrownBy(() -> bind(Map.of("channels.retention.pause", "-5ms"))).rootCause()
			.hasMessageContaining("channels.retention.pause must not be negative, was -5ms");
	}

	@Test
	void theApplicationDoesNotStartWithAWipeAfterAtLeastTheMaxAge() {
		this.context.withPropertyValues("channels.retention.max-age=12h", "channels.retention.wipe-after=1d")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure()).rootCause()
					.hasMessage("channels.retention.wipe-after (1d) must be shorter than channels.retention.max-age "
							+ "(12h): requests are deleted at max-age, so there would be nothing left to wipe");
			});
	}

	@Test
	void theApplicationStartsWithAWipeAfterShorterThanTheMaxAge() {
		this.context.withPropertyValues("channels.retention.max-age=1d", "channels.retention.wipe-after=12h")
			.run((context) -> assertThat(context).hasNotFailed()
				.getBean(ChannelsProperties.class)
				.satisfies((properties) -> assertThat(properties.retention().wipeAfter()).hasHours(12)));
	}

	private static ChannelsProperties bind(Map<String, String> settings) {
		return new Binder(new MapConfigurationPropertySource(settings)).bindOrCreate("channels",
				ChannelsProperties.class);
	}

	@Configuration(proxyBeanMethods = false)
	@EnableConfigurationProperties(ChannelsProperties.class)
	static class Settings {

	}

}
