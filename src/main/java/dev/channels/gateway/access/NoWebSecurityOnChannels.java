package dev.channels.gateway.access;

import java.util.Set;

import org.springframework.boot.autoconfigure.AutoConfigurationImportFilter;
import org.springframework.boot.autoconfigure.AutoConfigurationMetadata;

/**
 * Keeps Spring Boot's web security auto-configurations out of the gateway's context. Each
 * would put a security {@code WebFilter} (a request firewall, CSRF on every POST, a
 * generated user, response headers) in front of every channel's traffic on the gateway
 * port, and a child context's web handler takes its parent's {@code WebFilter}s too. A
 * channel checks its own clients ({@link ClientAuthenticationFilter}); the management
 * port's security lives in the management server's own child context. What stays: Spring
 * Security itself, the OAuth2 client registrations and authorized-client service
 * ({@link DestinationAuthenticationFilter}).
 * <p>
 * An import filter rather than an {@code exclude} on the application class, so that it
 * holds for every application built on this jar (tests' own among them) and a user's
 * {@code spring.autoconfigure.exclude} cannot undo it by replacing a list. Registered in
 * {@code META-INF/spring.factories}.
 */
public class NoWebSecurityOnChannels implements AutoConfigurationImportFilter {

	static final Set<String> LEFT_OUT = Set.of(
			"org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration",
			"org.springframework.boot.security.autoconfigure.actuate.web.reactive.ReactiveManagementWebSecurityAutoConfiguration",
			"org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration",
			"org.springframework.boot.security.oauth2.client.autoconfigure.reactive.ReactiveOAuth2ClientWebSecurityAutoConfiguration",
			"org.springframework.boot.security.oauth2.server.resource.autoconfigure.reactive.ReactiveOAuth2ResourceServerAutoConfiguration");

	@Override
	public boolean[] match(String[] autoConfigurationClasses, AutoConfigurationMetadata metadata) {
		boolean[] matches = new boolean[autoConfigurationClasses.length];
		for (int i = 0; i < autoConfigurationClasses.length; i++) {
			matches[i] = autoConfigurationClasses[i] == null || !LEFT_OUT.contains(autoConfigurationClasses[i]);
		}
		return matches;
	}

}
