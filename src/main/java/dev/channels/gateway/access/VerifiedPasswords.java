package dev.channels.gateway.access;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import dev.channels.gateway.observer.Sha256;

import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * Checks passwords against their encoded forms ({@code {bcrypt}...},
 * {@code {argon2}...}), remembering the checks that succeeded.
 * <p>
 * Those encodings cost tens of milliseconds of CPU by design, far more than forwarding a
 * request or answering a page: a check runs off the event loop, and one that succeeded is
 * taken for {@code rememberedFor} without being run again, keyed by the SHA-256 of the
 * username, the presented password and the encoded one (never the password itself), in a
 * bounded map. A check that failed is never remembered: each wrong password costs a full
 * check.
 */
public final class VerifiedPasswords {

	private final PasswordEncoder encoder;

	private final long rememberedForNanos;

	private final int mostRemembered;

	private final LongSupplier nanoTime;

	private final Map<ByteBuffer, Long> verifiedAt = new ConcurrentHashMap<>();

	/**
	 * @param mostRemembered most successful checks remembered at once; past it, the
	 * expired ones are forgotten, and all of them if none had expired
	 */
	public VerifiedPasswords(PasswordEncoder encoder, Duration rememberedFor, int mostRemembered,
			LongSupplier nanoTime) {
		this.encoder = encoder;
		this.rememberedForNanos = rememberedFor.toNanos();
		this.mostRemembered = mostRemembered;
		this.nanoTime = nanoTime;
	}

	/** Whether the password presented for this user matches its encoded password. */
	public Mono<Boolean> matches(String username, String presented, String encoded) {
		ByteBuffer key = ByteBuffer
			.wrap(Sha256.of((username + '\0' + presented + '\0' + encoded).getBytes(StandardCharsets.UTF_8)));
		Long since = this.verifiedAt.get(key);
		if (since != null && this.nanoTime.getAsLong() - since < this.rememberedForNanos) {
			return Mono.just(true);
		}
		return Mono.fromCallable(() -> {
			boolean matches = this.encoder.matches(presented, encoded);
			if (matches) {
				remember(key);
			}
			return matches;
		}).subscribeOn(Schedulers.boundedElastic());
	}

	/**
	 * Runs a check that cannot succeed, as costly as a real one: for a username that does
	 * not exist, so that the time an answer takes does not tell which usernames do.
	 */
	public Mono<Boolean> mismatch(String presented, String anyEncoded) {
		return Mono.fromCallable(() -> {
			this.encoder.matches(presented, anyEncoded);
			return false;
		}).subscribeOn(Schedulers.boundedElastic());
	}

	private void remember(ByteBuffer key) {
		long now = this.nanoTime.getAsLong();
		if (this.verifiedAt.size() >= this.mostRemembered) {
			this.verifiedAt.values().removeIf((since) -> now - since >= this.rememberedForNanos);
			if (this.verifiedAt.size() >= this.mostRemembered) {
				this.verifiedAt.clear();
			}
		}
		this.verifiedAt.put(key, now);
	}

}
