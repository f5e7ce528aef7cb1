package dev.channels.gateway.access;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.json.JsonMapper;

import dev.channels.gateway.channel.InvalidChannelException;
import dev.channels.gateway.channel.PerRoute;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.client.AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientProviderBuilder;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientService;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.ReactiveClientRegistrationRepository;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;

/**
 * Who may send through each channel and what its sink is sent: the filters, with the
 * route metadata each resolves once per route object, checked for every channel at
 * start-up.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AccessProperties.class)
class AccessConfiguration {

	@Bean
	ClientAuthenticationFilter clientAuthenticationFilter(AccessProperties properties, JsonMapper json,
			ObjectProvider<MeterRegistry> meters) {
		PasswordEncoder encoder = PasswordEncoderFactories.createDelegatingPasswordEncoder();
		// Channels that trust the same issuer share its decoder, and so its cached keys,
		// across route refreshes.
		Map<ChannelClients.JwtIssuer, ReactiveJwtDecoder> decoders = new ConcurrentHashMap<>();
		PerRoute<Optional<ChannelClients>> clients = new PerRoute<>((route) -> {
			ChannelClients channel = ChannelClients.of(route.getId(), route.getMetadata(), encoder,
					(issuer) -> decoders.computeIfAbsent(issuer, ChannelClients.JwtIssuer::decoder));
			if (channel == null && properties.requireClientAuth()) {
				throw new IllegalArgumentException(
						"it has no client-auth, and channels.access.require-client-auth allows no open channel");
			}
			return Optional.ofNullable(channel);
		});
		return new ClientAuthenticationFilter(clients, json, meters.getIfAvailable());
	}

	@Bean
	DestinationAuthenticationFilter destinationAuthenticationFilter(
			ObjectProvider<ReactiveClientRegistrationRepository> registrations,
			ObjectProvider<ReactiveOAuth2AuthorizedClientService> authorizedClients) {
		ReactiveOAuth2AuthorizedClientManager manager = null;
		ReactiveClientRegistrationRepository repository = registrations.getIfAvailable();
		ReactiveOAuth2AuthorizedClientService service = authorizedClients.getIfAvailable();
		if (repository != null && service != null) {
			// Outside any user's request: the service-based manager, with the client
			// credentials grant only.
			AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager clients = new AuthorizedClientServiceReactiveOAuth2AuthorizedClientManager(
					repository, service);
			clients.setAuthorizedClientProvider(
					ReactiveOAuth2AuthorizedClientProviderBuilder.builder().clientCredentials().build());
			manager = clients;
		}
		ReactiveOAuth2AuthorizedClientManager clients = manager;
		return new DestinationAuthenticationFilter(new PerRoute<>(
				(route) -> Optional.ofNullable(DestinationCredentials.of(route.getMetadata(), clients))));
	}

	/**
	 * Every channel's client-auth and destination-auth are read at start-up: one that
	 * cannot be used (or an open channel when client credentials are required) stops the
	 * gateway rather than admit requests it should not.
	 */
	@Bean
	SmartInitializingSingleton accessCheck(RouteLocator routes, ClientAuthenticationFilter clients,
			DestinationAuthenticationFilter destinations,
			ObjectProvider<ReactiveClientRegistrationRepository> registrations) {
		return () -> routes.getRoutes().doOnNext((route) -> {
			clients.resolve(route);
			destinations.resolve(route)
				.map(DestinationCredentials::registrationId)
				.ifPresent((registration) -> checkRegistered(route, registration, registrations.getIfAvailable()));
		}).blockLast();
	}

	// After a refresh, an unknown registration fails each request with 502, recorded.
	private static void checkRegistered(Route route, String registration,
			@Nullable ReactiveClientRegistrationRepository registrations) {
		ClientRegistration found = (registrations != null)
				? registrations.findByRegistrationId(registration).blockOptional().orElse(null) : null;
		if (found == null) {
			throw new InvalidChannelException(route.getId(), "destination-auth.oauth2-client '" + registration
					+ "' names no registration under spring.security.oauth2.client.registration");
		}
		if (!AuthorizationGrantType.CLIENT_CREDENTIALS.equals(found.getAuthorizationGrantType())) {
			throw new InvalidChannelException(route.getId(),
					"destination-auth.oauth2-client '" + registration
							+ "' must use authorization-grant-type client_credentials, not "
							+ found.getAuthorizationGrantType().getValue());
		}
	}

}
