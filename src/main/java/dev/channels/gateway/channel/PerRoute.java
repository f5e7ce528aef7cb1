package dev.channels.gateway.channel;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.cloud.gateway.route.Route;

/**
 * What a channel's route metadata resolves to, resolved once per route object: the
 * gateway builds new route objects when its routes are refreshed, so a refresh takes
 * effect with the next request that arrives through the channel. Metadata that cannot be
 * resolved is an {@link InvalidChannelException}, logged once per route object and thrown
 * for every request through it.
 *
 * @param <T> what the metadata resolves to
 */
public final class PerRoute<T> {

	private static final Log logger = LogFactory.getLog(PerRoute.class);

	private final Function<Route, T> resolver;

	// By channel id, with the route object it was resolved for.
	private final Map<String, Resolved<T>> resolved = new ConcurrentHashMap<>();

	/**
	 * @param resolver resolves a route's metadata; an {@link IllegalArgumentException} it
	 * throws says what is wrong with it
	 */
	public PerRoute(Function<Route, T> resolver) {
		this.resolver = resolver;
	}

	/**
	 * What this route resolves to.
	 * @throws InvalidChannelException when its metadata cannot be resolved
	 */
	public T get(Route route) {
		Resolved<T> known = this.resolved.get(route.getId());
		if (known == null || known.route() != route) {
			known = resolve(route);
			this.resolved.put(route.getId(), known);
		}
		if (known.failure() != null) {
			throw known.failure();
		}
		return known.value();
	}

	private Resolved<T> resolve(Route route) {
		try {
			return new Resolved<>(route, this.resolver.apply(route), null);
		}
		catch (IllegalArgumentException ex) {
			InvalidChannelException failure = (ex instanceof InvalidChannelException invalid) ? invalid
					: new InvalidChannelException(route.getId(), ex.getMessage());
			// Once per route object, not once per request.
			logger.error(failure.getMessage());
			return new Resolved<>(route, null, failure);
		}
	}

	private record Resolved<T>(Route route, @Nullable T value, @Nullable InvalidChannelException failure) {
	}

}
