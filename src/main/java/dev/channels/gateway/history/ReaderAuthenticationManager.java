package dev.channels.gateway.history;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import reactor.core.publisher.Mono;

import dev.channels.gateway.access.VerifiedPasswords;

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
 * its script and styles, a list, a summary, a detail) carries the credentials again: a
 * successful check is remembered for {@link #REMEMBERED} ({@link VerifiedPasswords}), so
 * that the page costs one bcrypt per reader every few minutes, not one per request. The
 * readers are fixed at start-up.
 */
final class ReaderAuthenticationManager implements ReactiveAuthenticationManager {

	static final Duration REMEMBERED = Duration.ofMinutes(5);

	static final int MAX_REMEMBERED = 1000;

	private final Map<String, HistoryProperties.Reader> readers = new LinkedHashMap<>();

	private final VerifiedPasswords passwords;

	ReaderAuthenticationManager(List<HistoryProperties.Reader> readers) {
		this(readers, PasswordEncoderFactories.createDelegatingPasswordEncoder(), System::nanoTime);
	}

	ReaderAuthenticationManager(List<HistoryProperties.Reader> readers, PasswordEncoder encoder,
			LongSupplier nanoTime) {
		readers.forEach((reader) -> this.readers.put(reader.username(), reader));
		this.passwords = new VerifiedPasswords(encoder, REMEMBERED, MAX_REMEMBERED, nanoTime);
	}

	@Override
	public Mono<Authentication> authenticate(Authentication authentication) {
		String username = authentication.getName();
		String password = (authentication.getCredentials() != null) ? authentication.getCredentials().toString() : "";
		HistoryProperties.Reader reader = this.readers.get(username);
		Mono<Boolean> matches;
		if (reader != null) {
			matches = this.passwords.matches(username, password, reader.password());
		}
		else {
			// Only JWT readers: no password to check against.
			matches = this.readers.isEmpty() ? Mono.just(false)
					: this.passwords.mismatch(password, this.readers.values().iterator().next().password());
		}
		return matches.flatMap((match) -> match
				? Mono.just(UsernamePasswordAuthenticationToken.authenticated(username, null,
						ChannelGrants.authorities(reader.channels())))
				: Mono.error(new BadCredentialsException("Invalid credentials")));
	}

}
