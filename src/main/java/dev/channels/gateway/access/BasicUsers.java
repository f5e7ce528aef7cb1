package dev.channels.gateway.access;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import dev.channels.gateway.observer.Sha256;

import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * The users a channel admits with HTTP Basic, each with a password in Spring Security's
 * encoded form ({@code {bcrypt}...}, {@code {argon2}...}).
 * <p>
 * Those encodings cost tens of milliseconds by design, far more than forwarding a
 * request: a successful verification is remembered for {@link #REMEMBERED_FOR}, keyed by
 * the SHA-256 of what the client presented (never the password itself), in a bounded map.
 * A failed one is not remembered. Verification runs off the event loop.
 */
final class BasicUsers {

	/**
	 * How long a verified username and password are taken without verifying them again.
	 */
	static final Duration REMEMBERED_FOR = Duration.ofMinutes(5);

	/** Most verifications remembered at once; past it, all are forgotten. */
	static final int MOST_REMEMBERED = 10_000;

	private final Map<String, String> encodedPasswords;

	private final PasswordEncoder encoder;

	private final Map<ByteBuffer, Long> verifiedUntil = new ConcurrentHashMap<>();

	/**
	 * @param encodedPasswords each username with its encoded password
	 */
	BasicUsers(Map<String, String> encodedPasswords, PasswordEncoder encoder) {
		this.encodedPasswords = Map.copyOf(encodedPasswords);
		this.encoder = encoder;
	}

	boolean isEmpty() {
		return this.encodedPasswords.isEmpty();
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
		ByteBuffer presented = ByteBuffer.wrap(Sha256.of(decoded.getBytes(StandardCharsets.UTF_8)));
		Long until = this.verifiedUntil.get(presented);
		if (until != null && until - System.nanoTime() > 0) {
			return Mono.just(new Verdict.Admitted("basic:" + username));
		}
		return Mono.fromCallable(() -> verify(username, password, presented)).subscribeOn(Schedulers.boundedElastic());
	}

	private Verdict verify(String username, String password, ByteBuffer presented) {
		String encoded = this.encodedPasswords.get(username);
		if (encoded == null) {
			// As slow as a wrong password, so that the time taken does not tell which
			// usernames exist.
			this.encoder.matches(password, this.encodedPasswords.values().iterator().next());
			return refused("wrong username or password");
		}
		if (!this.encoder.matches(password, encoded)) {
			return refused("wrong username or password");
		}
		if (this.verifiedUntil.size() >= MOST_REMEMBERED) {
			this.verifiedUntil.clear();
		}
		this.verifiedUntil.put(presented, System.nanoTime() + REMEMBERED_FOR.toNanos());
		return new Verdict.Admitted("basic:" + username);
	}

	private static Verdict refused(String message) {
		return Verdict.Refused.unauthorized("invalid_basic", message);
	}

}
