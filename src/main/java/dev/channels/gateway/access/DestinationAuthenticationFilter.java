package dev.channels.gateway.access;

import java.util.Optional;

import reactor.core.publisher.Mono;

import dev.channels.gateway.channel.InvalidChannelException;
import dev.channels.gateway.channel.PerRoute;
import dev.channels.gateway.observer.Causes;
import dev.channels.gateway.observer.NotForwardedException;
import dev.channels.gateway.observer.ObservingFilter;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.NettyRoutingFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ServerWebExchange;

/**
 * Sends a channel's sink the credentials its route metadata names
 * ({@link DestinationCredentials}), in {@code Authorization}, in place of whatever the
 * client or a route filter put there. When they cannot be had (the token endpoint fails
 * or refuses), nothing is sent to the sink: the client gets 502 and the record says why.
 */
public class DestinationAuthenticationFilter implements GlobalFilter, Ordered {

	/**
	 * Last before the request is forwarded: after the {@link ObservingFilter} recorded
	 * the request (a failure is in its record), and after the route's own filters, so the
	 * injected header is the one the sink gets.
	 */
	public static final int ORDER = NettyRoutingFilter.ORDER - 1;

	private final PerRoute<Optional<DestinationCredentials>> credentials;

	DestinationAuthenticationFilter(PerRoute<Optional<DestinationCredentials>> credentials) {
		this.credentials = credentials;
	}

	/**
	 * What a channel's metadata says.
	 * @throws InvalidChannelException when it cannot be used
	 */
	Optional<DestinationCredentials> resolve(Route route) {
		return this.credentials.get(route);
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
		Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
		if (route == null) {
			return chain.filter(exchange);
		}
		DestinationCredentials destination;
		try {
			destination = this.credentials.get(route).orElse(null);
		}
		catch (InvalidChannelException ex) {
			return Mono.error(ex);
		}
		if (destination == null) {
			return chain.filter(exchange);
		}
		return destination.authorization()
			.onErrorMap((ex) -> unavailable(destination, describe(ex)))
			.switchIfEmpty(Mono.error(() -> unavailable(destination, "no token")))
			.flatMap((authorization) -> chain.filter(exchange.mutate()
				.request((request) -> request
					.headers((headers) -> headers.set(HttpHeaders.AUTHORIZATION, authorization)))
				.build()));
	}

	private static NotForwardedException unavailable(DestinationCredentials destination, String why) {
		return new NotForwardedException(HttpStatus.BAD_GATEWAY,
				"the sink's credentials could not be had from oauth2-client '" + destination.registrationId() + "': "
						+ why);
	}

	// The token endpoint's error ("[invalid_client] ...") and, beneath it, what failed.
	private static String describe(Throwable error) {
		Throwable root = Causes.root(error);
		return (root == error) ? String.valueOf(error.getMessage())
				: error.getMessage() + " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
	}

}
