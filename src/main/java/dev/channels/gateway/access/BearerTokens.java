package dev.channels.gateway.access;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;

/**
 * The JWTs a channel admits as bearer tokens: signed by a key of the issuer's JWK set,
 * within their validity, from the issuer and for one of the audiences configured.
 */
final class BearerTokens {

	private final ReactiveJwtDecoder decoder;

	BearerTokens(ReactiveJwtDecoder decoder) {
		this.decoder = decoder;
	}

	/**
	 * Checks a bearer token.
	 * @param token what follows {@code Bearer }
	 */
	Mono<Verdict> check(String token) {
		return this.decoder.decode(token.strip()).map((jwt) -> {
			String subject = jwt.getSubject();
			if (subject == null || subject.isBlank()) {
				return (Verdict) new Verdict.Refused("invalid_jwt", "the token names no subject (sub)",
						HttpStatus.UNAUTHORIZED, "invalid_token");
			}
			return new Verdict.Admitted("jwt:" + subject);
		})
			.onErrorResume(BadJwtException.class,
					(ex) -> Mono.just(new Verdict.Refused("invalid_jwt", ex.getMessage(), HttpStatus.UNAUTHORIZED,
							"invalid_token")))
			// The token may be fine: the keys to check it could not be had (the JWK set
			// or
			// the discovery document did not answer).
			.onErrorResume((ex) -> !(ex instanceof BadJwtException),
					(ex) -> Mono.just(new Verdict.Refused("jwt_unverifiable",
							"the token could not be checked: " + ex.getMessage(), HttpStatus.SERVICE_UNAVAILABLE, "")));
	}

}
