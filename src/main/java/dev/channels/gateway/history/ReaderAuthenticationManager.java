package dev.channels.gateway.history;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import dev.channels.gateway.observer.Sha256;

import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.ReactiveAuthenticationManager;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * Checks the HTTP Basic credentials of the history's readers against their encoded
 * passwords ({@link PasswordEncoderFactories#createDelegatingPasswordEncoder()}: the
 * {@code {bcrypt}} prefix picks the encoder).
 * <p>
 * bcrypt costs tens of milliseconds by design, and every request of the page (the page,
 * its script and styles, a list, a summary, a detail) carries the credentials again. A
 * successful check is therefore remembered for {@link #REMEMBERED} (at most
 * {@link #MAX_REMEMBERED} of them), keyed by the SHA-256 of the username and the
 * presented password, so that the page costs one bcrypt per reader every few minutes, not
 * one per request. A failed check is never remembered: each wrong password costs a
 * bcrypt, off the event loop. The readers are fixed at start-up, so a remembered check
 * cannot outlive a change of password.
 */
final class ReaderAuthenticationManager implements ReactiveAuthenticationManager {

	static final Duration REMEMBERED = Duration.ofMinutes(5);

	static final int MAX_REMEMBERED = 1000;

	private final Map<String, HistoryProperties.Reader> readers = new LinkedHashMap<>();

	private final PasswordEncoder encoder = PasswordEncoderFactories.createDelegatingPasswordEncoder();

	private final Map<String, Remembered> remembered = new ConcurrentHashMap<>();

	private final LongSupplier nanoTime;

	ReaderAuthenticationManager(List<HistoryProperties.Reader> readers) {
		this(readers, System::nanoTime);
	}

	ReaderAuthenticationManager(List<HistoryProperties.Reader> readers, LongSupplier nanoTime) {
		readers.forEach((reader) -> this.readers.put(reader.username(), reader));
		this.nanoTime = nanoTime;
	}

	@Override
	public Mono<Authentication> authenticate(Authentication authentication) {
		String username = authentication.getName();
		String password = (authentication.getCredentials() != null) ? authentication.getCredentials().toString() : "";
		HistoryProperties.Reader reader = this.readers.get(username);
		if (reader == null) {
			return Mono.error(new BadCredentialsException("Invalid credentials"));
		}
		String key = key(username, password);
		Remembered known = this.remembered.get(key);
		long now = this.nanoTime.getAsLong();
		if (known != null && now - known.since() < REMEMBERED.toNanos()) {
			return Mono.just(known.authentication());
		}
		// bcrypt is CPU work of tens of milliseconds: not on the event loop.
		return Mono.fromCallable(() -> this.encoder.matches(password, reader.password()))
			.subscribeOn(Schedulers.boundedElastic())
			.flatMap((matches) -> {
				if (!matches) {
					return Mono.error(new BadCredentialsException("Invalid credentials"));
				}
				Authentication authenticated = UsernamePasswordAuthenticationToken.authenticated(username, null,
						ChannelGrants.authorities(reader.channels()));
				remember(key, new Remembered(authenticated, this.nanoTime.getAsLong()));
				return Mono.just(authenticated);
			});
	}

	int rememberedCount() {
		return this.remembered.size();
	}

	private void remember(String key, Remembered entry) {
		if (this.remembered.size() >= MAX_REMEMBERED) {
			long now = this.nanoTime.getAsLong();
			this.remembered.values().removeIf((old) -> now - old.since() >= REMEMBERED.toNanos());
			if (this.remembered.size() >= MAX_REMEMBERED) {
				// Full of live entries (many passwords tried and right?): start over.
				this.remembered.clear();
			}
		}
		this.remembered.put(key, entry);
	}

	// The presented password itself is not kept, only this hash of it, in memory.
	private static String key(String username, String password) {
		return HexFormat.of().formatHex(Sha256.of((username + '\0' + password).getBytes(StandardCharsets.UTF_8)));
	}

	private record Remembered(Authentication authentication, long since) {
	}

}
