package dev.channels.gateway.support;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * The history's readers of the shared test context ({@code channels.history.readers}):
 * {@value #READER}, who may read every channel, and {@value #PAYMENTS_READER}, who may
 * read {@value #PAYMENTS} only. Their passwords are bcrypt-encoded at the lowest cost, as
 * real ones are, only cheaper.
 */
public final class TestReaders {

	public static final String READER = "reader";

	public static final String READER_PASSWORD = "reader-secret";

	public static final String PAYMENTS_READER = "payments-reader";

	public static final String PAYMENTS_READER_PASSWORD = "payments-secret";

	/** The one channel {@value #PAYMENTS_READER} may read. */
	public static final String PAYMENTS = "granted-payments";

	/** A channel {@value #PAYMENTS_READER} may not read. */
	public static final String ORDERS = "granted-orders";

	private static final Map<String, Object> SETTINGS = settings();

	private TestReaders() {
	}

	public static void register(DynamicPropertyRegistry registry) {
		SETTINGS.forEach((name, value) -> registry.add(name, () -> value));
	}

	/** The readers as settings, for a gateway of a test's own. */
	public static Map<String, Object> settings() {
		Map<String, Object> settings = new LinkedHashMap<>();
		reader(settings, 0, READER, READER_PASSWORD, List.of("*"));
		reader(settings, 1, PAYMENTS_READER, PAYMENTS_READER_PASSWORD, List.of(PAYMENTS));
		return settings;
	}

	/** A client of the management port that reads as {@value #READER}. */
	public static GatewayClient management(int managementPort) {
		return new GatewayClient(managementPort).withBasic(READER, READER_PASSWORD);
	}

	/** {@code {bcrypt}...} of the password, at bcrypt's lowest cost. */
	public static String encoded(String password) {
		return "{bcrypt}" + new BCryptPasswordEncoder(4).encode(password);
	}

	private static void reader(Map<String, Object> settings, int index, String username, String password,
			List<String> channels) {
		String prefix = "channels.history.readers[" + index + "].";
		settings.put(prefix + "username", username);
		settings.put(prefix + "password", encoded(password));
		for (int i = 0; i < channels.size(); i++) {
			settings.put(prefix + "channels[" + i + "]", channels.get(i));
		}
	}

}
