package dev.channels.gateway.history;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.core.NestedExceptionUtils;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The readers' settings, their check ({@link ReaderAuthenticationManager}) and the grants
 * they and JWTs carry.
 */
class HistoryReadersTests {

	private static final String ENCODED = "{bcrypt}" + new BCryptPasswordEncoder(4).encode("secret");

	@Test
	void aReaderWithoutUsernamePasswordOrChannelsRefusesStartUpNamingIt() {
		assertThat(refusal(Map.of("readers[0].password", ENCODED, "readers[0].channels[0]", "a")))
			.contains("channels.history.readers[0].username is missing");
		assertThat(refusal(Map.of("readers[0].username", "alice", "readers[0].channels[0]", "a")))
			.contains("channels.history.readers[0].password is missing");
		assertThat(refusal(Map.of("readers[0].username", "alice", "readers[0].password", ENCODED)))
			.contains("channels.history.readers[0].channels is missing");
		assertThat(refusal(
				Map.of("readers[0].username", "alice", "readers[0].password", "secret", "readers[0].channels[0]", "a")))
			.contains("channels.history.readers[0].password must be an encoded password");
	}

	@Test
	void readersBindWithTheirChannels() {
		HistoryProperties history = bind(Map.of("readers[0].username", "alice", "readers[0].password", ENCODED,
				"readers[0].channels", "payments, orders"));

		assertThat(history.readers()).singleElement()
			.satisfies((reader) -> assertThat(reader.channels()).containsExactly("payments", "orders"));
		assertThat(history.channelsClaim()).isEqualTo("channels");
		assertThat(history.protectPrometheus()).isFalse();
		assertThat(history.readers().get(0).toString()).doesNotContain("bcrypt");
	}

	@Test
	void theRightPasswordGrantsTheReadersChannelsAndIsRememberedAWrongOneIsNot() {
		AtomicLong now = new AtomicLong();
		AtomicInteger checks = new AtomicInteger();
		PasswordEncoder encoder = PasswordEncoderFactories.createDelegatingPasswordEncoder();
		PasswordEncoder counting = new PasswordEncoder() {

			@Override
			public String encode(CharSequence raw) {
				return encoder.encode(raw);
			}

			@Override
			public boolean matches(CharSequence raw, String encoded) {
				checks.incrementAndGet();
				return encoder.matches(raw, encoded);
			}

		};
		ReaderAuthenticationManager readers = new ReaderAuthenticationManager(
				List.of(new HistoryProperties.Reader("alice", ENCODED, List.of("payments"))), counting, now::get);

		Authentication alice = readers.authenticate(login("alice", "secret")).block(Duration.ofSeconds(10));
		StepVerifier.create(readers.authenticate(login("alice", "wrong")))
			.expectError(BadCredentialsException.class)
			.verify(Duration.ofSeconds(10));
		StepVerifier.create(readers.authenticate(login("bob", "secret")))
			.expectError(BadCredentialsException.class)
			.verify(Duration.ofSeconds(10));

		assertThat(alice.isAuthenticated()).isTrue();
		assertThat(alice.getName()).isEqualTo("alice");
		assertThat(alice.getCredentials()).isNull();
		assertThat(ChannelGrants.of(alice).permits("payments")).isTrue();
		assertThat(ChannelGrants.of(alice).permits("orders")).isFalse();
		// alice, the wrong password, and bob (as costly as a wrong password).
		assertThat(checks).hasValue(3);
		assertThat(readers.authenticate(login("alice", "secret")).block(Duration.ofSeconds(10)).getName())
			.isEqualTo("alice");
		assertThat(checks).hasValue(3);
		now.addAndGet(ReaderAuthenticationManager.REMEMBERED.toNanos());
		assertThat(readers.authenticate(login("alice", "secret")).block(Duration.ofSeconds(10)).getName())
			.isEqualTo("alice");
		assertThat(checks).hasValue(4);
	}

	@Test
	void theChannelsClaimIsAListOrASeparatedString() {
		assertThat(HistorySecurityConfiguration.channels(List.of("a", "b"))).containsExactly("a", "b");
		assertThat(HistorySecurityConfiguration.channels("a b,c ,  d")).containsExactly("a", "b", "c", "d");
		assertThat(HistorySecurityConfiguration.channels(null)).isEmpty();
		assertThat(HistorySecurityConfiguration.channels(42)).isEmpty();
		assertThat(ChannelGrants
			.of(new UsernamePasswordAuthenticationToken("x", null,
					ChannelGrants.authorities(HistorySecurityConfiguration.channels("*"))))
			.all()).isTrue();
	}

	private static UsernamePasswordAuthenticationToken login(String username, String password) {
		return UsernamePasswordAuthenticationToken.unauthenticated(username, password);
	}

	private static HistoryProperties bind(Map<String, String> settings) {
		Map<String, String> prefixed = new java.util.HashMap<>();
		settings.forEach((name, value) -> prefixed.put("channels.history." + name, value));
		return new Binder(new MapConfigurationPropertySource(prefixed))
			.bind("channels.history", HistoryProperties.class)
			.get();
	}

	private static String refusal(Map<String, String> settings) {
		Throwable thrown = catchThrowable(() -> bind(settings));
		assertThat(thrown).isNotNull();
		return NestedExceptionUtils.getMostSpecificCause(thrown).getMessage();
	}

}
