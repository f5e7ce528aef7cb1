package dev.channels.gateway.support;

import java.util.HashMap;
import java.util.Map;

import dev.channels.gateway.ChannelsApplication;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A gateway of a test's own beside the shared test context: on the test database, on free
 * ports, with the Netty resources of its own that closing it needs
 * ({@link OwnNettyResources}).
 */
public final class StandaloneGateway {

	private StandaloneGateway() {
	}

	/**
	 * Starts the gateway with these settings (its channels among them).
	 * @throws RuntimeException what stopped the start
	 */
	public static ConfigurableApplicationContext start(Map<String, Object> settings) {
		return start(settings, new Class<?>[0]);
	}

	/**
	 * Starts the gateway with these settings and these configuration classes besides the
	 * application's.
	 * @throws RuntimeException what stopped the start
	 */
	public static ConfigurableApplicationContext start(Map<String, Object> settings, Class<?>... configurations) {
		Map<String, Object> all = new HashMap<>(TestDatabase.get().properties());
		all.put("server.port", 0);
		all.put("management.server.port", 0);
		all.putAll(settings);
		// As arguments: they win over application.yml, as they would on a command line.
		String[] arguments = all.entrySet()
			.stream()
			.map((setting) -> "--" + setting.getKey() + "=" + setting.getValue())
			.toArray(String[]::new);
		return new SpringApplicationBuilder(ChannelsApplication.class, OwnNettyResources.class).sources(configurations)
			.run(arguments);
	}

}
