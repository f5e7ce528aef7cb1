package dev.channels.gateway.observer;

import java.time.Instant;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.function.ToIntFunction;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ServerWebExchange;

/**
 * The observer engine: shows every exchange that a route proxies to an
 * {@link ExchangeObserver}, with its bodies tapped, its timings and its outcome.
 *
 * @param <S> the observer's state type
 */
public class ObservingFilter<S> implements GlobalFilter, Ordered {

	/**
	 * Before {@link NettyWriteResponseFilter}, so that the response it writes the sink's
	 * body to is the tapped one, and before the route's own filters (ordered from 1
	 * unless given an order). The gateway's local response cache filters (-4, -3) run
	 * earlier: a response served from that cache never reaches the sink and is not
	 * observed.
	 */
	public static final int ORDER = NettyWriteResponseFilter.WRITE_RESPONSE_FILTER_ORDER - 1;

	/**
	 * The exchange attribute that names who a channel authenticated the client as (a
	 * {@code String}), set by a filter that runs before this one; recorded with the
	 * request.
	 */
	public static final String CLIENT_PRINCIPAL_ATTR = ObservingFilter.class.getName() + ".clientPrincipal";

	/**
	 * The exchange attribute that holds the exchange id (a {@code UUID}), the one
	 * {@link #REQUEST_ID_HEADER} carries: the gateway's own error answers name it.
	 */
	public static final String REQUEST_ID_ATTR = ObservingFilter.class.getName() + ".requestId";

	/** Carries the exchange id to the sink and back to the client. */
	public static final String REQUEST_ID_HEADER = "X-Channel-Request-Id";

	// Time-ordered (UUIDv7) ids keep primary-key inserts at the right edge of the index.
	private static final TimeBasedEpochGenerator IDS = Generators.timeBasedEpochGenerator();

	private final ExchangeObserver<S> observer;

	private final ToIntFunction<Route> previewLimit;

	private final long unreadBodyLimit;

	private final Predicate<String> trustedProxy;

	/**
	 * @param observer the observer to show exchanges to
	 * @param previewLimit the leading bytes of each body to keep as its preview, by
	 * route; it may throw to refuse a route it cannot observe, which fails the exchange
	 * unforwarded
	 * @param unreadBodyLimit the most bytes of a request body the sink never read (it
	 * could not be reached) that are still read and tapped before the client is answered
	 * @param trustedProxy whether an address is a trusted proxy, whose
	 * {@code X-Forwarded-For} entries name the client
	 */
	public ObservingFilter(ExchangeObserver<S> observer, ToIntFunction<Route> previewLimit, long unreadBodyLimit,
			Predicate<String> trustedProxy) {
		this.observer = observer;
		this.previewLimit = previewLimit;
		this.unreadBodyLimit = unreadBodyLimit;
		this.trustedProxy = trustedProxy;
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
		if ("CONNECT".equals(exchange.getRequest().getMethod().name())) {
			// CONNECT asks for a tunnel, which a gateway that forwards requests cannot
			// give (Netty takes the sink's 2xx for the start of one and drops its body):
			// 405, not recorded, like a request that matches no channel.
			exchange.getResponse().setStatusCode(HttpStatus.METHOD_NOT_ALLOWED);
			return exchange.getResponse().setComplete();
		}
		int previewLimit;
		try {
			previewLimit = this.previewLimit.applyAsInt(route);
		}
		catch (RuntimeException ex) {
			return Mono.error(ex);
		}
		long startNanos = System.nanoTime();
		Object nativeRequest = RequestCapture.nativeRequest(exchange.getRequest());
		UUID id = IDS.generate();
		exchange.getAttributes().put(REQUEST_ID_ATTR, id);
		RequestStart request = RequestCapture.capture(exchange.getRequest(), nativeRequest, id, route, Instant.now(),
				this.trustedProxy, exchange.getAttribute(CLIENT_PRINCIPAL_ATTR));
		return new ObservedExchange<>(this.observer, request, startNanos, previewLimit, this.unreadBodyLimit)
			.run(exchange, chain, nativeRequest);
	}

}
