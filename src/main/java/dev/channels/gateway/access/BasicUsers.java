package dev.channels.gateway.access;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

import reactor.core.publisher.Mono;

import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * The users a channel admits with HTTP Basic, each with a password in Spring Security's
 * encoded form ({@code {bcrypt}...}, {@code {argon2}...}). A successful check is
 * remembered for {@link #REMEMBERED_FOR} ({@link VerifiedPasswords}).
 */
final class BasicUsers {

	/**
	 * How long a verified username and password are taken without verifying them again.
	 */
	static final Duration REMEMBERED_FOR = Duration.ofMinutes(5);

	/** Most verifications remembered at once. */
	static final int MOST_REMEMBERED = 10_000;

	private final Map<String, String> encodedPasswords;

	private final VerifiedPasswords passwords;

	/**
	 * @param encodedPasswords each username with its encoded password
	 */
	BasicUsers(Map<String, String> encodedPasswords, PasswordEncoder encoder) {
		this.encodedPasswords = Map.copyOf(encodedPasswords);
		this.passwords = new VerifiedPasswords(encoder, REMEMBERED_FOR, MOST_REMEMBERED, System::nanoTime);
	}

	/**
	 * Checks the credentials of a {@code Basic} authorization.
	 * @param credentials what follows {@code Basic }
	 */
	Mono<Verdict> check(String credentials) {
		String decoded;
		try {
			decoded = new String(Base64.getDecoder().decode(credentials.strip()), StandardCharsets.UTF_8);
		}
		catch (IllegalArgumentException ex) {
			return Mono.just(refused("the Basic credentials are not Base64"));
		}
		int colon = decoded.indexOf(':');
		if (colon < 0) {
			return Mono.just(refused("the Basic credentials hold no ':'"));
		}
		String username = decoded.substring(0, colon);
		String password = decoded.substring(colon + 1);
		String encoded = this.encodedPasswords.get(username);
		Mono<Boolean> matches = (encoded != null) ? this.passwords.matches(username, password, encoded)
				: this.passwords.mismatch(password, this.encodedPasswords.values().iterator().next());
		return matches
			.map((match) -> match ? new Verdict.Admitted("basic:" + username) : refused("wrong username or password"));
	}

	private static Verdict refused(String message) {
		return Verdict.Refused.unauthorized("invalid_basic", message);
	}

}
