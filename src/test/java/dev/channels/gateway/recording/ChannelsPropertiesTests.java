package dev.channels.gateway.recording;

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
	}

	@Test
	void everySettingCanBeChanged() {
		ChannelsProperties properties = bind(Map.of("channels.preview-size", "1KB", "channels.redacted-headers",
				"X-Secret,X-Token", "channels.persistence.concurrency", "2", "channels.persistence.queue-size", "50"));

		assertThat(properties.previewSize()).isEqualTo(DataSize.ofKilobytes(1));
		assertThat(properties.redactedHeaders()).containsExactly("X-Secret", "X-Token");
		assertThat(properties.persistence().concurrency()).isEqualTo(2);
		assertThat(properties.persistence().queueSize()).isEqualTo(50);
	}

	private static ChannelsProperties bind(Map<String, String> settings) {
		return new Binder(new MapConfigurationPropertySource(settings)).bindOrCreate("channels",
				ChannelsProperties.class);
	}

}
