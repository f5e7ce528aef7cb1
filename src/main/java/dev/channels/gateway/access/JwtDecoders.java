package dev.channels.gateway.access;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusReactiveJwtDecoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;

/**
 * Decoders of bearer JWTs, for channel clients and history readers alike: signed by a key
 * of the issuer's JWK set, current ({@code exp}, {@code nbf}), from the issuer when one
 * is named, and for one of the audiences when some are.
 */
public final class JwtDecoders {

	private JwtDecoders() {
	}

	/**
	 * A decoder for tokens of an issuer, found through its discovery document, or signed
	 * by the keys at a JWK set URI. Neither is fetched before the first token arrives (a
	 * start-up never waits for the issuer); the keys are cached and fetched again for a
	 * key id they do not hold.
	 * @param issuerUri the issuer, or {@code null} when the JWK set URI is given
	 * @param jwkSetUri the JWK set URI, or {@code null} to find it from the issuer
	 * @param audiences the audiences accepted; empty accepts any
	 * @param algorithms the signature algorithms accepted; empty takes RS256
	 */
	public static ReactiveJwtDecoder of(@Nullable String issuerUri, @Nullable String jwkSetUri, List<String> audiences,
			List<String> algorithms) {
		NimbusReactiveJwtDecoder.JwkSetUriReactiveJwtDecoderBuilder builder = (jwkSetUri != null)
				? NimbusReactiveJwtDecoder.withJwkSetUri(jwkSetUri)
				: NimbusReactiveJwtDecoder.withIssuerLocation(issuerUri);
		algorithms.forEach((algorithm) -> builder.jwsAlgorithm(SignatureAlgorithm.from(algorithm)));
		NimbusReactiveJwtDecoder decoder = builder.build();
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

}
