package dev.channels.gateway.database;

import java.util.HashMap;
import java.util.Map;

import org.springframework.boot.context.event.ApplicationPreparedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Lets users set the database once. With R2DBC, Spring Boot builds no JDBC
 * {@code DataSource}, so Flyway needs its own {@code spring.flyway.url}, {@code user} and
 * {@code password}; where those are not set, they are derived from
 * {@code spring.r2dbc.*}.
 * <p>
 * Derived when the context is prepared, once every property source is in place (those
 * that tests add included), and added last, so explicit {@code spring.flyway.*} settings
 * win.
 */
class FlywayFromR2dbcSettings implements ApplicationListener<ApplicationPreparedEvent> {

	static final String PROPERTY_SOURCE_NAME = "channelsFlywayFromR2dbc";

	@Override
	public void onApplicationEvent(ApplicationPreparedEvent event) {
		ConfigurableEnvironment environment = event.getApplicationContext().getEnvironment();
		Map<String, Object> derived = new HashMap<>();
		String r2dbcUrl = environment.getProperty("spring.r2dbc.url");
		if (r2dbcUrl != null && !environment.containsProperty("spring.flyway.url")) {
			derived.put("spring.flyway.url", jdbcUrl(r2dbcUrl));
		}
		deriveIfAbsent(environment, derived, "spring.flyway.user", "spring.r2dbc.username");
		deriveIfAbsent(environment, derived, "spring.flyway.password", "spring.r2dbc.password");
		if (!derived.isEmpty()) {
			environment.getPropertySources().addLast(new MapPropertySource(PROPERTY_SOURCE_NAME, derived));
		}
	}

	/**
	 * Turns {@code r2dbc:postgresql://host:port/database?options} (also with the
	 * {@code pool:} driver) into {@code jdbc:postgresql://host:port/database}. R2DBC and
	 * JDBC options have different names, so options are not carried over.
	 */
	static String jdbcUrl(String r2dbcUrl) {
		String url = r2dbcUrl.strip();
		int query = url.indexOf('?');
		if (query >= 0) {
			url = url.substring(0, query);
		}
		int scheme = url.indexOf("postgresql://");
		if (!url.startsWith("r2dbc:") || scheme < 0) {
			throw new IllegalArgumentException(
					"spring.r2dbc.url must be an r2dbc:postgresql:// URL to derive spring.flyway.url, got " + r2dbcUrl);
		}
		return "jdbc:" + url.substring(scheme);
	}

	private static void deriveIfAbsent(ConfigurableEnvironment environment, Map<String, Object> derived, String target,
			String source) {
		String value = environment.getProperty(source);
		if (value != null && !environment.containsProperty(target)) {
			derived.put(target, value);
		}
	}

}
