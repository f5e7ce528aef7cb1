package dev.channels.gateway.access;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import dev.channels.gateway.channel.ChannelPolicies;
import dev.channels.gateway.channel.Metadata;

import org.springframework.security.oauth2.client.OAuth2AuthorizeRequest;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientManager;

/**
 * What one channel sends its sink in {@code Authorization}, from its route metadata:
 * <pre>
 * destination-auth:
 *   bearer: ${PAYMENTS_TOKEN}
 *   # or basic: { username: svc, password: ${PAYMENTS_PASSWORD} }
 *   # or oauth2-client: payments   # spring.security.oauth2.client.registration.payments
 * </pre>
 */
abstract sealed class DestinationCredentials {

	/**
	 * The principal the gateway's client-credentials tokens are kept under: one token per
	 * registration, shared by every channel that names it.
	 */
	static final String GATEWAY_PRINCIPAL = "channels-gateway";

	/** The value of the sink's {@code Authorization} header. */
	abstract Mono<String> authorization();

	/** The OAuth2 client registration these credentials come from, if they do. */
	@Nullable String registrationId() {
		return null;
	}

	/**
	 * Reads a channel's {@code destination-auth}.
	 * @param clients the OAuth2 client manager, or {@code null} when no registration is
	 * configured
	 * @return {@code null} when the channel has none
	 * @throws IllegalArgumentException when it cannot be used
	 */
	static @Nullable DestinationCredentials of(Map<String, Object> metadata,
			@Nullable ReactiveOAuth2AuthorizedClientManager clients) {
		Object value = metadata.get(ChannelPolicies.DESTINATION_AUTH);
		if (value == null) {
			return null;
		}
		Map<String, Object> auth = Metadata.object(ChannelPolicies.DESTINATION_AUTH, value);
		if (auth.size() != 1) {
			throw new IllegalArgumentException("destination-auth needs exactly one of bearer, basic and oauth2-client");
		}
		Map.Entry<String, Object> method = auth.entrySet().iterator().next();
		return switch (method.getKey()) {
			case "bearer" -> new Fixed("Bearer " + Metadata.text("destination-auth.bearer", method.getValue()));
			case "basic" -> {
				Map<String, Object> basic = Metadata.object("destination-auth.basic", method.getValue());
				String credentials = Metadata.text("destination-auth.basic.username", basic.get("username")) + ":"
						+ Metadata.text("destination-auth.basic.password", basic.get("password"));
				yield new Fixed(
						"Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
			}
			case "oauth2-client" -> {
				String registration = Metadata.text("destination-auth.oauth2-client", method.getValue());
				if (clients == null) {
					throw new IllegalArgumentException("destination-auth.oauth2-client '" + registration
							+ "' names no registration: spring.security.oauth2.client.registration is empty");
				}
				yield new ClientCredentials(registration, clients);
			}
			default -> throw new IllegalArgumentException(
					"destination-auth." + method.getKey() + " is not a method: use bearer, basic or oauth2-client");
		};
	}

	/** A token or a username and password from the configuration. */
	static final class Fixed extends DestinationCredentials {

		private final Mono<String> authorization;

		Fixed(String authorization) {
			this.authorization = Mono.just(authorization);
		}

		@Override
		Mono<String> authorization() {
			return this.authorization;
		}

	}

	/**
	 * An access token from the registration's token endpoint, by the
	 * {@code client_credentials} grant: fetched once, reused, and fetched again shortly
	 * before it expires (Spring Security's authorized client manager).
	 */
	static final class ClientCredentials extends DestinationCredentials {

		private final String registrationId;

		private final ReactiveOAuth2AuthorizedClientManager clients;

		ClientCredentials(String registrationId, ReactiveOAuth2AuthorizedClientManager clients) {
			this.registrationId = registrationId;
			this.clients = clients;
		}

		@Override
		Mono<String> authorization() {
			return this.clients
				.authorize(OAuth2AuthorizeRequest.withClientRegistrationId(this.registrationId)
					.principal(GATEWAY_PRINCIPAL)
					.build())
				.map((client) -> "Bearer " + client.getAccessToken().getTokenValue());
		}

		@Override
		String registrationId() {
			return this.registrationId;
		}

	}

}
