package dev.channels.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every {@code channels.*} setting is in the configuration metadata that IDEs complete
 * from (generated from the properties' Javadoc) with a description, and in the README's
 * table with the same default.
 */
class ConfigurationReferenceTests {

	@Test
	void everyChannelsSettingIsDescribedInTheMetadataAndTheReadmeWithItsDefault() throws IOException {
		List<JsonNode> settings = new ArrayList<>();
		try (InputStream metadata = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
			assertThat(metadata).as("generated configuration metadata").isNotNull();
			JsonMapper.builder().build().readTree(metadata).get("properties").forEach(settings::add);
		}
		String readme = Files.readString(Path.of("README.md"));

		List<String> names = settings.stream().map((setting) -> setting.get("name").asString()).toList();
		assertThat(names).contains("channels.preview-size", "channels.persistence.insert-timeout",
				"channels.persistence.when-full", "channels.instance.lease-duration", "channels.client-read-timeout");
		for (JsonNode setting : settings) {
			String name = setting.get("name").asString();
			if (!name.startsWith("channels.")) {
				continue;
			}
			assertThat(setting.path("description").asString("")).as("description of %s", name).isNotBlank();
			JsonNode defaultValue = setting.get("defaultValue");
			// A list's default is written as "[a, b]"; the README shows it as "a, b". A
			// setting with no default (an empty list, an optional limit) is shown as
			// "none".
			String shown = (defaultValue != null) ? defaultValue.asString().replaceAll("^\\[(.*)]$", "$1") : "none";
			assertThat(readme).as("README row of %s", name).contains("| `" + name + "` | `" + shown + "` |");
		}
	}

}
