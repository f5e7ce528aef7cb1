package dev.channels.gateway.access;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import dev.channels.gateway.channel.InvalidChannelException;
import dev.channels.gateway.channel.PerRoute;
import dev.channels.gateway.observer.ObservingFilter;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;

/**
 * Admits a request to a channel that requires client credentials ({@link ChannelClients})
 * only with valid ones. A refused request is answered 401 with the channel's
 * {@code WWW-Authenticate} challenges and a short JSON error; it is not forwarded and has
 * no record (it never reaches the {@link ObservingFilter}), and it is counted in
 * {@code channels.access.rejected} by channel and reason. An admitted request carries who
 * sent it to the record, and loses its credential header unless the channel forwards it.
 */
public class ClientAuthenticationFilter implements GlobalFilter, Ordered {

	/**
	 * Before the {@link ObservingFilter} (-2), so that a refused request has no record,
	 * and before the gateway's local response cache (-4, -3), so that a cached response
	 * is never served to a client the channel refuses.
	 */
	public static final int ORDER = ObservingFilter.ORDER - 8;

	/** Counts refused requests, tagged {@code channel} and {@code reason}. */
	public static final String REJECTED_METER = "channels.access.rejected";

	private final PerRoute<Optional<ChannelClients>> clients;

	private final JsonMapper json;

	private final @Nullable MeterRegistry meters;

	private final RejectionLog log = new RejectionLog();

	ClientAuthenticationFilter(PerRoute<Optional<ChannelClients>> clients, JsonMapper json,
			@Nullable MeterRegistry meters) {
		this.clients = clients;
		this.json = json;
		this.meters = meters;
	}

	/**
	 * What a channel's metadata says.
	 * @throws InvalidChannelException when it cannot be used
	 */
	Optional<ChannelClients> resolve(Route route) {
		return this.clients.get(route);
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
		ChannelClients channel;
		try {
			channel = this.clients.get(route).orElse(null);
		}
		catch (InvalidChannelException ex) {
			return Mono.error(ex);
		}
		if (channel == null) {
			return chain.filter(exchange);
		}
		return channel.authenticate(exchange.getRequest().getHeaders()).flatMap((verdict) -> {
			if (verdict instanceof Verdict.Refused refused) {
				return refuse(exchange, route.getId(), channel, refused);
			}
			exchange.getAttributes()
				.put(ObservingFilter.CLIENT_PRINCIPAL_ATTR, ((Verdict.Admitted) verdict).principal());
			return chain.filter(channel.forwardsCredentials() ? exchange : withoutCredentials(exchange, channel));
		});
	}

	// The sink never sees the client's key or password. The record still holds the
	// header as it arrived, redacted (ChannelPolicies).
	private static ServerWebExchange withoutCredentials(ServerWebExchange exchange, ChannelClients channel) {
		return exchange.mutate()
			.request((request) -> request.headers((headers) -> channel.credentialHeaders().forEach(headers::remove)))
			.build();
	}

	private Mono<Void> refuse(ServerWebExchange exchange, String channelId, ChannelClients channel,
			Verdict.Refused refused) {
		if (this.meters != null) {
			Counter.builder(REJECTED_METER)
				.description("Requests a channel refused for their client credentials")
				.tag("channel", channelId)
				.tag("reason", refused.reason())
				.register(this.meters)
				.increment();
		}
		InetSocketAddress peer = exchange.getRequest().getRemoteAddress();
		this.log.refused(channelId, refused, (peer != null) ? peer.getHostString() : null);
		ServerHttpResponse response = exchange.getResponse();
		response.setStatusCode(refused.status());
		if (refused.status() == HttpStatus.UNAUTHORIZED) {
			response.getHeaders()
				.put(HttpHeaders.WWW_AUTHENTICATE, channel.challenges(refused.bearerError(), refused.message()));
		}
		response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
		Map<String, Object> error = new LinkedHashMap<>();
		error.put("status", refused.status().value());
		error.put("error", refused.status().getReasonPhrase());
		error.put("reason", refused.reason());
		error.put("message", refused.message());
		error.put("channel", channelId);
		byte[] body = this.json.writeValueAsString(error).getBytes(StandardCharsets.UTF_8);
		return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(body)));
	}

}
