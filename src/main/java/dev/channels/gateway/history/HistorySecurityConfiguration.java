package dev.channels.gateway.history;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import dev.channels.gateway.access.JwtDecoders;

import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.security.autoconfigure.actuate.web.reactive.EndpointRequest;
import org.springframework.boot.security.oauth2.server.resource.autoconfigure.OAuth2ResourceServerProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.core.convert.converter.Converter;
import org.springframework.core.env.Environment;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.security.web.server.authentication.HttpBasicServerAuthenticationEntryPoint;
import org.springframework.security.web.server.context.NoOpServerSecurityContextRepository;
import org.springframework.security.web.server.savedrequest.NoOpServerRequestCache;
import org.springframework.util.StringUtils;

/**
 * Spring Security on the management port, in the management server's own (child) context:
 * its {@code WebFilter} is collected by this context's HTTP handler only, never by the
 * gateway's, so channel traffic on the gateway port passes untouched (the application
 * leaves Spring Boot's web security auto-configurations out for the same reason). Spring
 * Boot imports this class from the same {@code ManagementContextConfiguration.imports} as
 * the history.
 * <ul>
 * <li>health (with its probe groups) and info are open;</li>
 * <li>prometheus is open unless {@code channels.history.protect-prometheus} is set;</li>
 * <li>{@code /history/**} (page and API) and any other endpoint need a reader: HTTP Basic
 * with a user of {@code channels.history.readers}, or a bearer JWT when
 * {@code spring.security.oauth2.resourceserver.jwt.*} names an issuer or a JWK set.</li>
 * </ul>
 * Stateless: no session, no saved request, no form login or logout page. CSRF protection
 * is off: the history and the endpoints are read with GET only, which CSRF protection
 * leaves alone anyway, and there is no session or cookie a forged request could ride on.
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
@EnableWebFluxSecurity
class HistorySecurityConfiguration {

	static final String REALM = "Channels history";

	private static final Pattern CLAIM_SEPARATORS = Pattern.compile("[\\s,]+");

	@Bean
	SecurityWebFilterChain managementSecurityFilterChain(ServerHttpSecurity http, Environment environment) {
		HistoryAccess access = HistoryAccess.of(environment);
		access.warnIfNobodyCanRead();
		ReaderAuthenticationManager readers = new ReaderAuthenticationManager(access.history().readers());
		HttpBasicServerAuthenticationEntryPoint basic = new HttpBasicServerAuthenticationEntryPoint();
		basic.setRealm(REALM);
		http.authorizeExchange((exchanges) -> {
			exchanges.matchers(EndpointRequest.to("health", "info")).permitAll();
			if (!access.history().protectPrometheus()) {
				exchanges.matchers(EndpointRequest.to("prometheus")).permitAll();
			}
			exchanges.matchers(EndpointRequest.toAnyEndpoint()).authenticated();
			if (access.anyReader()) {
				exchanges.pathMatchers("/history", "/history/**").authenticated();
			}
			// Without a reader the history's routes are not registered: 404, as any other
			// path that nothing serves.
			exchanges.anyExchange().permitAll();
		});
		http.authenticationManager(readers);
		http.httpBasic((httpBasic) -> httpBasic.authenticationManager(readers)
			.authenticationEntryPoint(basic)
			.securityContextRepository(NoOpServerSecurityContextRepository.getInstance()));
		ReactiveJwtDecoder decoder = jwtDecoder(access.jwt());
		if (decoder != null) {
			String claim = access.history().channelsClaim();
			http.oauth2ResourceServer((resourceServer) -> resourceServer
				.jwt((jwt) -> jwt.jwtDecoder(decoder).jwtAuthenticationConverter(grantsFrom(claim))));
		}
		// Without credentials: Basic, which is what the page's browser can answer.
		http.exceptionHandling((exceptions) -> exceptions.authenticationEntryPoint(basic));
		http.securityContextRepository(NoOpServerSecurityContextRepository.getInstance());
		http.requestCache((cache) -> cache.requestCache(NoOpServerRequestCache.getInstance()));
		http.csrf(ServerHttpSecurity.CsrfSpec::disable);
		http.formLogin(ServerHttpSecurity.FormLoginSpec::disable);
		http.logout(ServerHttpSecurity.LogoutSpec::disable);
		return http.build();
	}

	/**
	 * The decoder of the readers' bearer JWTs, from Spring Boot's
	 * {@code spring.security.oauth2.resourceserver.jwt.*} settings: the JWK set of
	 * {@code jwk-set-uri}, or the one {@code issuer-uri} publishes (found on first use,
	 * so a start-up does not wait for the issuer); tokens must be current, from
	 * {@code issuer-uri} when it is set, and for one of {@code audiences} when they are
	 * set. Null without either URI.
	 */
	static @Nullable ReactiveJwtDecoder jwtDecoder(OAuth2ResourceServerProperties.@Nullable Jwt settings) {
		if (settings == null) {
			return null;
		}
		String issuer = settings.getIssuerUri();
		return JwtDecoders.of(StringUtils.hasText(issuer) ? issuer : null,
				StringUtils.hasText(settings.getJwkSetUri()) ? settings.getJwkSetUri() : null, settings.getAudiences(),
				settings.getJwsAlgorithms());
	}

	/**
	 * A JWT's reader: named {@code jwt:<sub>}, with the channels its claim lists as
	 * grants (none without the claim).
	 */
	static Converter<Jwt, Mono<AbstractAuthenticationToken>> grantsFrom(String claim) {
		return (jwt) -> Mono.just(new JwtAuthenticationToken(jwt,
				ChannelGrants.authorities(channels(jwt.getClaims().get(claim))), "jwt:" + jwt.getSubject()));
	}

	static List<String> channels(@Nullable Object claim) {
		List<String> channels = new ArrayList<>();
		if (claim instanceof Collection<?> values) {
			values.stream().filter((value) -> value != null).forEach((value) -> channels.add(value.toString()));
		}
		else if (claim instanceof String text) {
			channels.addAll(List.of(CLAIM_SEPARATORS.split(text.strip())));
		}
		channels.removeIf(String::isBlank);
		return channels;
	}

}
