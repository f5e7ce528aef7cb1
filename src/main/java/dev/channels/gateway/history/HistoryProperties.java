package dev.channels.gateway.history;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Who may read the history on the management port. Without a reader here and without a
 * JWT issuer ({@code spring.security.oauth2.resourceserver.jwt.issuer-uri} or
 * {@code jwk-set-uri}), the history is not served at all.
 *
 * @param readers Users who may read the history with HTTP Basic, each with an encoded
 * password ({@code {bcrypt}$2a$10$...}) and the channels it may read ({@code *} for all).
 * @param channelsClaim Claim of a bearer JWT that lists the channels its holder may read:
 * a JSON list, or a string of channel ids separated by spaces or commas; {@code *} for
 * all.
 * @param protectPrometheus Whether {@code /actuator/prometheus} requires an authenticated
 * reader (any reader, whatever its channels). Health and info stay open.
 */
@ConfigurationProperties("channels.history")
@Validated
record HistoryProperties(@DefaultValue List<Reader> readers, @DefaultValue("channels") String channelsClaim,
		@DefaultValue("false") boolean protectPrometheus) {

	// The id of an encoder that
	// PasswordEncoderFactories.createDelegatingPasswordEncoder()
	// knows, in braces, before the encoded password.
	private static final Pattern ENCODED = Pattern.compile("\\{[A-Za-z0-9_@.-]+}.+");

	HistoryProperties {
		Set<String> usernames = new HashSet<>();
		for (int i = 0; i < readers.size(); i++) {
			Reader reader = readers.get(i);
			String name = "channels.history.readers[" + i + "]";
			require(reader.username() != null && !reader.username().isBlank(), name + ".username is missing");
			require(reader.password() != null && !reader.password().isBlank(),
					name + ".password is missing (" + reader.username() + ")");
			require(ENCODED.matcher(reader.password()).matches(),
					name + ".password must be an encoded password with its encoder's id, such as "
							+ "{bcrypt}$2a$10$...; see the README's \"Who may read the history\" (" + reader.username()
							+ ")");
			require(reader.channels() != null && !reader.channels().isEmpty()
					&& reader.channels().stream().noneMatch((channel) -> channel == null || channel.isBlank()),
					name + ".channels is missing: list the channels " + reader.username()
							+ " may read, or [\"*\"] for all");
			require(usernames.add(reader.username()),
					name + ".username " + reader.username() + " is given to more than one reader");
		}
		require(!channelsClaim.isBlank(), "channels.history.channels-claim must not be empty");
		readers = List.copyOf(readers);
	}

	private static void require(boolean condition, String message) {
		if (!condition) {
			throw new IllegalArgumentException(message);
		}
	}

	/**
	 * A reader of the history.
	 *
	 * @param username Name the reader gives with HTTP Basic.
	 * @param password Encoded password, with its encoder's id:
	 * {@code {bcrypt}$2a$10$...}.
	 * @param channels Channels the reader may read; {@code *} for all.
	 */
	record Reader(@Nullable String username, @Nullable String password, @Nullable List<String> channels) {

		@Override
		public String toString() {
			return "Reader[username=" + this.username + ", channels=" + this.channels + "]";
		}

	}

}
