package dev.channels.gateway;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;

class ChannelsPropertiesTests {

	@Test
	void defaultsMatchTheDocumentedOnes() {
		ChannelsProperties properties = bind(Map.of());

		assertThat(properties.previewSize()).isEqualTo(DataSize.ofKilobytes(64));
		assertThat(properties.redactedHeaders()).containsExactly("Authorization", "Proxy-Authorization", "X-API-Key",
				"Cookie", "Set-Cookie");
		assertThat(properties.persistence().concurrency()).isEqualTo(8);
		assertThat(properties.persistence().queueSize()).isEqualTo(1000);
		assertThat(properties.persistence().insertTimeout()).isEqualTo(Duration.ofSeconds(2));
		assertThat(properties.persistence().insertConcurrency()).isEqualTo(4);
		assertThat(properties.persistence().batchSize()).isEqualTo(32);
		assertThat(properties.persistence().whenFull()).isEqualTo(ChannelsProperties.WhenFull.REJECT);
		assertThat(properties.persistence().writeTimeout()).isEqualTo(Duration.ofSeconds(5));
		assertThat(properties.persistence().retry().maxRetries()).isEqualTo(8);
		assertThat(properties.persistence().retry().firstBackoff()).isEqualTo(Duration.ofMillis(250));
		assertThat(properties.persistence().retry().maxBackoff()).isEqualTo(Duration.ofSeconds(5));
		assertThat(properties.persistence().shutdownTimeout()).isEqualTo(Duration.ofSeconds(10));
		assertThat(properties.instance().leaseDuration()).isEqualTo(Duration.ofSeconds(30));
		assertThat(properties.clientReadTimeout()).isEqualTo(Duration.ofSeconds(60));
		assertThat(properties.recording().enabled()).isTrue();
	}

	@Test
	void everySettingCanBeChanged() {
		ChannelsProperties properties = bind(Map.ofEntries(Map.entry("channels.preview-size", "1KB"),
				Map.entry("channels.redacted-headers", "X-Secret,X-Token"),
				Map.entry("channels.persistence.concurrency", "2"), Map.entry("channels.persistence.queue-size", "50"),
				Map.entry("channels.persistence.insert-timeout", "750ms"),
				Map.entry("channels.persistence.when-full", "drop"),
				Map.entry("channels.persistence.write-timeout", "3s"),
				Map.entry("channels.persistence.retry.max-retries", "2"),
				Map.entry("channels.persistence.retry.first-backoff", "10ms"),
				Map.entry("channels.persistence.retry.max-backoff", "1s"),
				Map.entry("channels.persistence.shutdown-timeout", "1m"),
				Map.entry("channels.instance.lease-duration", "45s"), Map.entry("channels.client-read-timeout", "5s"),
				Map.entry("channels.recording.enabled", "false")));

		assertThat(properties.previewSize()).isEqualTo(DataSize.ofKilobytes(1));
		assertThat(properties.redactedHeaders()).containsExactly("X-Secret", "X-Token");
		assertThat(properties.persistence().concurrency()).isEqualTo(2);
		assertThat(properties.persistence().queueSize()).isEqualTo(50);
		assertThat(properties.persistence().insertTimeout()).isEqualTo(Duration.ofMillis(750));
		assertThat(properties.persistence().whenFull()).isEqualTo(ChannelsProperties.WhenFull.DROP);
		assertThat(properties.persistence().writeTimeout()).isEqualTo(Duration.ofSeconds(3));
		assertThat(properties.persistence().retry().maxRetries()).isEqualTo(2);
		assertThat(properties.persistence().retry().firstBackoff()).isEqualTo(Duration.ofMillis(10));
		assertThat(properties.persistence().retry().maxBackoff()).isEqualTo(Duration.ofSeconds(1));
		assertThat(properties.persistence().shutdownTimeout()).isEqualTo(Duration.ofMinutes(1));
		assertThat(properties.instance().leaseDuration()).isEqualTo(Duration.ofSeconds(45));
		assertThat(properties.clientReadTimeout()).isEqualTo(Duration.ofSeconds(5));
		assertThat(properties.recording().enabled()).isFalse();
	}

	private static ChannelsProperties bind(Map<String, String> settings) {
		return new Binder(new MapConfigurationPropertySource(settings)).bindOrCreate("channels",
				ChannelsProperties.class);
	}

}
