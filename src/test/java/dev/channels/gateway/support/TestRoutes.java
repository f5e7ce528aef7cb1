package dev.channels.gateway.support;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.awaitility.Awaitility;
import reactor.core.publisher.Mono;

import dev.channels.gateway.channel.ChannelPolicy;
import dev.channels.gateway.channel.Redaction;

import org.springframework.cloud.gateway.event.RefreshRoutesEvent;
import org.springframework.cloud.gateway.filter.FilterDefinition;
import org.springframework.cloud.gateway.handler.predicate.PredicateDefinition;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.cloud.gateway.route.RouteDefinitionWriter;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.context.ApplicationContext;

/**
 * Routes for tests: routes to hand to the observer or the records directly, without a
 * gateway in front, and channels added to the running gateway, as a route refresh does.
 */
public final class TestRoutes {

	/** Keeps 64 KiB previews and redacts nothing. */
	public static final ChannelPolicy UNREDACTED = new ChannelPolicy(64 * 1024,
			new Redaction(List.of(), List.of(), List.of()));

	private TestRoutes() {
	}

	/** A route with this id (the channel id) that matches everything. */
	public static Route route(String id) {
		return Route.async().id(id).uri("http://sink.invalid").predicate((exchange) -> true).build();
	}

	/**
	 * A channel to the test sink with the README's convention
	 * ({@code Path=/channels/{id}/**}, {@code StripPrefix=2}), then these filters.
	 */
	public static RouteDefinition definition(String id, String sinkUri, Map<String, Object> metadata,
			String... filters) {
		RouteDefinition route = new RouteDefinition();
		route.setId(id);
		route.setUri(URI.create(sinkUri));
		route.setPredicates(List.of(new PredicateDefinition("Path=/channels/" + id + "/**")));
		List<FilterDefinition> all = new ArrayList<>(List.of(new FilterDefinition("StripPrefix=2")));
		for (String filter : filters) {
			all.add(new FilterDefinition(filter));
		}
		route.setFilters(all);
		route.setMetadata(metadata);
		return route;
	}

	/**
	 * Adds or replaces a channel in the running gateway and refreshes its routes, as an
	 * operator's change would; returns once the new definition is in force.
	 */
	public static void saveAndRefresh(ApplicationContext context, RouteDefinition definition) {
		context.getBean(RouteDefinitionWriter.class).save(Mono.just(definition)).block();
		context.publishEvent(new RefreshRoutesEvent(definition));
		RouteLocator routes = context.getBean(RouteLocator.class);
		Awaitility.await()
			.atMost(Duration.ofSeconds(10))
			.until(() -> routes.getRoutes()
				.any((route) -> route.getId().equals(definition.getId()) && route.getUri().equals(definition.getUri())
						&& route.getMetadata().equals(definition.getMetadata())
						&& route.getFilters().size() == definition.getFilters().size())
				.block());
	}

}
