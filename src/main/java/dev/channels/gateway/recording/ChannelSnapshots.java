package dev.channels.gateway.recording;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import io.r2dbc.postgresql.codec.Json;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Result;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import dev.channels.gateway.channel.ChannelPolicies;
import dev.channels.gateway.channel.ChannelSnapshot;

import org.springframework.cloud.gateway.event.RefreshRoutesResultEvent;
import org.springframework.cloud.gateway.filter.FilterDefinition;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.cloud.gateway.route.RouteDefinitionLocator;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.context.ApplicationListener;

/**
 * Writes the {@code channel_snapshots} row of each route the gateway has in force, so
 * that every request's row can name the definition it went through.
 * <p>
 * All routes' snapshots are written when the routes are loaded or refreshed; a request
 * that arrives through a route whose snapshot is not written yet (it arrived first, or
 * the database was away) waits for that write before its own. Snapshots are shared: one
 * per distinct definition, whatever the number of requests or replicas.
 * <p>
 * Each write also marks the definition as taken into use now ({@code in_force_at}), on
 * the existing row too: a channel that goes back to an earlier definition writes no new
 * row, and the history tells a channel's current definition by that mark. It is written
 * once per route object, that is at each load or refresh of the routes, never per
 * request.
 */
class ChannelSnapshots implements ApplicationListener<RefreshRoutesResultEvent> {

	private static final Log logger = LogFactory.getLog(ChannelSnapshots.class);

	// Every replica derives the same id from the same definition: the first insert writes
	// the row, and every write (the first, a replica's with the same routes, a gateway's
	// that went back to this definition) sets when it was last taken into use. Two
	// replicas with the same definition bumping the same row change nothing that matters;
	// during a rollout with two definitions in force, the one loaded last is current.
	private static final String UPSERT = """
			INSERT INTO channel_snapshots (id, channel_id, config_hash, definition)
			VALUES ($1, $2, $3, $4)
			ON CONFLICT (id) DO UPDATE SET in_force_at = now()""";

	// The snapshot of a route object that a refresh has replaced: written if it is
	// missing, but not marked in force.
	private static final String INSERT = """
			INSERT INTO channel_snapshots (id, channel_id, config_hash, definition)
			VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING""";

	private final ConnectionFactory database;

	private final RouteLocator routes;

	private final RouteDefinitionLocator definitions;

	private final List<FilterDefinition> defaultFilters;

	private final ChannelPolicies policies;

	// By channel id, with the route object the snapshot was written for.
	private final Map<String, Written> written = new ConcurrentHashMap<>();

	// By channel id, the route object of the last load or refresh. A request that matched
	// the route before a refresh may reach its snapshot after it: its definition is no
	// longer the one in force, and marking it so would undo the refresh's mark.
	private final Map<String, Route> inForce = new ConcurrentHashMap<>();

	ChannelSnapshots(ConnectionFactory database, RouteLocator routes, RouteDefinitionLocator definitions,
			List<FilterDefinition> defaultFilters, ChannelPolicies policies) {
		this.database = database;
		this.routes = routes;
		this.definitions = definitions;
		this.defaultFilters = defaultFilters;
		this.policies = policies;
	}

	/**
	 * The id of the route's snapshot, once its row is written.
	 * @return completes at once when the row is known to be written; fails when it could
	 * not be, and the next request through the route tries again
	 */
	CompletableFuture<UUID> snapshotOf(Route route) {
		Route current = this.inForce.get(route.getId());
		if (current != null && current != route) {
			// Not remembered either: the current route's write must still mark its own.
			return write(route, INSERT).toFuture();
		}
		Written known = this.written.get(route.getId());
		if (known != null && known.route() == route && !known.id().isCompletedExceptionally()) {
			return known.id();
		}
		CompletableFuture<UUID> id = write(route, UPSERT).toFuture();
		this.written.put(route.getId(), new Written(route, id));
		return id;
	}

	@Override
	public void onApplicationEvent(RefreshRoutesResultEvent event) {
		if (!event.isSuccess()) {
			return;
		}
		// One channel's failure (an invalid route, the database away) is no other's.
		this.routes.getRoutes()
			.doOnNext((route) -> this.inForce.put(route.getId(), route))
			.flatMap((route) -> Mono.fromFuture(() -> snapshotOf(route)).onErrorResume((error) -> {
				logger.warn("Channel " + route.getId() + ": snapshot not written yet, it will be with the channel's "
						+ "first request: " + error);
				return Mono.empty();
			}))
			.subscribe();
	}

	private Mono<UUID> write(Route route, String statement) {
		return this.definitions.getRouteDefinitions()
			.filter((definition) -> route.getId().equals(definition.getId()))
			.next()
			.map((definition) -> snapshot(route, definition))
			.switchIfEmpty(Mono.fromSupplier(() -> snapshot(route, null)))
			.flatMap((snapshot) -> write(snapshot, statement));
	}

	private ChannelSnapshot snapshot(Route route, @Nullable RouteDefinition definition) {
		return ChannelSnapshot.of(route, definition, this.defaultFilters, this.policies.policy(route).redaction());
	}

	private Mono<UUID> write(ChannelSnapshot snapshot, String statement) {
		return Mono.usingWhen(this.database.create(),
				(connection) -> Flux
					.from(connection.createStatement(statement)
						.bind(0, snapshot.id())
						.bind(1, snapshot.channelId())
						.bind(2, snapshot.configHash())
						.bind(3, Json.of(snapshot.definition()))
						.execute())
					.flatMap(Result::getRowsUpdated)
					.then(Mono.just(snapshot.id())),
				Connection::close);
	}

	private record Written(Route route, CompletableFuture<UUID> id) {
	}

}
