package dev.channels.gateway.access;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
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
	 * A decoder for tokens of an issuer, found through its discovery document, or signed
	 * by the keys at a JWK set URI. Neither is fetched before the first token arrives;
	 * the keys are cached and fetched again for a key id they do not hold.
	 * @param issuerUri the issuer, or {@code null} when the JWK set URI is given
	 * @param jwkSetUri the JWK set URI, or {@code null} when the issuer is given
	 * @param audiences the audiences accepted; empty accepts any
	 */
	static ReactiveJwtDecoder decoder(@Nullable String issuerUri, @Nullable String jwkSetUri, List<String> audiences) {
		NimbusReactiveJwtDecoder decoder = (jwkSetUri != null)
				? NimbusReactiveJwtDecoder.withJwkSetUri(jwkSetUri).build()
				: NimbusReactiveJwtDecoder.withIssuerLocation(issuerUri).build();
		List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
		validators.add(
				(issuerUri != null) ? JwtValidators.createDefaultWithIssuer(issuerUri) : JwtValidators.createDefault());
		if (!audiences.isEmpty()) {
			validators.add(new JwtClaimValidator<Collection<String>>(JwtClaimNames.AUD,
					(aud) -> aud != null && aud.stream().anyMatch(audiences::contains)));
		}
		decoder.setJwtValidator(new DelegatingOAuth2TokenValidator<>(validators));
		return decoder;
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
