package dev.channels.gateway.history;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.r2dbc.spi.Readable;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.r2dbc.core.DatabaseClient;

/**
 * The SQL of the history API, read-only. Values are always bound as positional
 * parameters; the list's statement is assembled from fixed fragments, one for each filter
 * in use, so that each combination gets a plan of its own rather than one plan for all
 * with {@code $1 IS NULL OR ...} conditions that no index can serve.
 * <p>
 * The JSON field names are the columns' names.
 */
class HistoryQueries {

	private static final String LIST = """
			SELECT r.id, r.channel_id, r.state, r.client_auth, r.started_at, r.completed_at,
			    e.response_status, e.latency_ms, e.request_method, e.request_path
			FROM channel_requests r LEFT JOIN channel_events e ON e.channel_request_id = r.id
			%s
			ORDER BY r.started_at DESC, r.id DESC
			LIMIT %s""";

	private static final String ONE = """
			SELECT r.id, r.channel_id, r.state, r.client_identity, r.client_auth, r.started_at, r.completed_at, r.owner,
			    r.channel_snapshot_id,
			    e.id AS event_id, e.type, e.request_method, e.request_path, e.request_query, e.sink_url,
			    e.request_headers::text AS request_headers, e.request_body_preview, e.request_body_hash,
			    e.request_body_size, e.response_status, e.response_headers::text AS response_headers,
			    e.response_body_preview, e.response_body_hash, e.response_body_size, e.latency_ms, e.ttfb_ms,
			    e.connect_us, e.reused_connection, e.request_sent_us, e.response_us, e.error_message, e.inserted_at, e.wiped_at, e.redactions::text AS redactions,
			    s.id AS snapshot_id, s.channel_id AS snapshot_channel_id, s.config_hash,
			    s.definition::text AS definition, s.created_at AS snapshot_created_at,
			    c.id AS current_snapshot_id, c.config_hash AS current_config_hash,
			    c.created_at AS current_created_at, c.in_force_at AS current_in_force_at
			FROM channel_requests r
			LEFT JOIN channel_events e ON e.channel_request_id = r.id
			LEFT JOIN channel_snapshots s ON s.id = r.channel_snapshot_id
			LEFT JOIN LATERAL (
			    SELECT c.id, c.config_hash, c.created_at, c.in_force_at FROM channel_snapshots c
			    WHERE c.channel_id = r.channel_id
			    ORDER BY c.in_force_at DESC
			    LIMIT 1) c ON true
			WHERE r.id = $1
			%s""";

	// What a summary and each bucket tell of a set of a channel's closed requests
	// (o, rows of channel_outcomes, V8): counts by state, and the latencies of every
	// request that has one, whatever its state. Each aggregate costs its evaluation on
	// every row (a day of a busy channel is a million), so success is not counted but
	// what the other states leave of the closed ones (the table's CHECK admits four
	// states), and the percentiles are nearest-rank (percentile_disc: a latency some
	// request had), which sorts the integers as they are instead of as doubles. Both
	// percentiles share one sort. Measured in docs/design.md, "Charts".
	private static final String COUNTS_AND_LATENCIES = """
			count(*) AS closed,
			    count(*) FILTER (WHERE o.state = 'failed') AS failed,
			    count(*) FILTER (WHERE o.state = 'timeout') AS timeout,
			    count(*) FILTER (WHERE o.state = 'error') AS error,
			    count(o.latency_ms) AS latencies,
			    percentile_disc(0.5) WITHIN GROUP (ORDER BY o.latency_ms) AS p50,
			    percentile_disc(0.95) WITHIN GROUP (ORDER BY o.latency_ms) AS p95""";

	// The channel's pending requests in the window, from channel_requests, where they
	// are few (those in flight, and those a crash left until the sweeper closes them).
	// Read once per statement, not once per bucket: the index that finds them also
	// holds, until vacuum, an entry for every request that was pending since (measured:
	// 0.15 ms a probe, 43 ms for 288 buckets, on a day of a million requests).
	private static final String PENDING = """
			SELECT r.started_at
			    FROM channel_requests r
			    WHERE r.state = 'pending' AND r.channel_id = $1 AND r.started_at >= $2 AND r.started_at < $3""";

	// One pass over the window's outcomes, from their channel's index alone (it covers
	// state and latency), and the window's pending requests; one statement, so one
	// snapshot: a request that closes meanwhile is counted once.
	private static final String SUMMARY = """
			SELECT s.*, (SELECT count(*) FROM (%s) p) AS pending
			FROM (
			    SELECT %s
			    FROM channel_outcomes o
			    WHERE o.channel_id = $1 AND o.started_at >= $2 AND o.started_at < $3) s""".formatted(PENDING,
			COUNTS_AND_LATENCIES);

	// One aggregate per bucket, each over its own range of the outcomes' channel index:
	// an index-only scan of the window's rows and a sort of a bucket's latencies at a
	// time, rather than one sort of the whole window by bucket (ordered-set aggregates
	// cannot be hashed). The pending requests are counted by bucket number, the whole
	// widths since $2 ($2 + n widths is where generate_series puts bucket n). $1 channel,
	// $2 from, $3 to, $4 the bucket's width in seconds; the last bucket ends at $3.
	private static final String BUCKETS = """
			WITH pending AS (
			    SELECT floor(extract(epoch FROM p.started_at - $2) / $4) AS bucket, count(*) AS pending
			    FROM (%s) p
			    GROUP BY 1)
			SELECT b.start, s.*, coalesce(p.pending, 0) AS pending
			FROM generate_series($2, $3 - make_interval(secs => 0.000001), make_interval(secs => $4))
			    WITH ORDINALITY AS b (start, n)
			CROSS JOIN LATERAL (
			    SELECT %s
			    FROM channel_outcomes o
			    WHERE o.channel_id = $1 AND o.started_at >= b.start
			        AND o.started_at < least(b.start + make_interval(secs => $4), $3)) s
			LEFT JOIN pending p ON p.bucket = b.n - 1
			ORDER BY b.start""".formatted(PENDING, COUNTS_AND_LATENCIES);

	private static final String STARTED_AT = "started_at";

	private final DatabaseClient database;

	private final JsonMapper json;

	HistoryQueries(DatabaseClient database, JsonMapper json) {
		this.database = database;
		this.json = json;
	}

	/**
	 * A page of the requests of the granted channels, newest first, and the cursor of the
	 * next page (null on the last).
	 */
	Mono<Map<String, Object>> list(RequestQuery query, ChannelGrants grants) {
		List<String> conditions = new ArrayList<>();
		List<Object> values = new ArrayList<>();
		if (query.channel() != null) {
			if (!grants.permits(query.channel())) {
				// As a channel without requests: nothing tells whether it exists.
				return Mono.just(page(List.of(), null));
			}
			values.add(query.channel());
			conditions.add("r.channel_id = $" + values.size());
		}
		else if (!grants.all()) {
			values.add(grants.array());
			conditions.add("r.channel_id = ANY($" + values.size() + ")");
		}
		if (query.clientAuth() != null) {
			// Served by the partial index on (client_auth, started_at, id).
			values.add(query.clientAuth());
			conditions.add("r.client_auth = $" + values.size());
		}
		if (query.state() != null) {
			values.add(query.state());
			conditions.add("r.state = $" + values.size());
		}
		if (query.status() != null) {
			values.add(query.status().shortValue());
			conditions.add("e.response_status = $" + values.size());
		}
		if (query.from() != null) {
			values.add(query.from());
			conditions.add("r.started_at >= $" + values.size());
		}
		if (query.to() != null) {
			values.add(query.to());
			conditions.add("r.started_at < $" + values.size());
		}
		if (query.after() != null) {
			values.add(query.after().startedAt());
			values.add(query.after().id());
			// A row comparison, which the (..., started_at DESC, id DESC) indexes serve
			// as a range.
			conditions.add("(r.started_at, r.id) < ($" + (values.size() - 1) + ", $" + values.size() + ")");
		}
		// One row more than the page: whether there is a next page, without an empty last
		// one.
		values.add(query.limit() + 1);
		String where = conditions.isEmpty() ? "" : "WHERE " + String.join(" AND ", conditions);
		DatabaseClient.GenericExecuteSpec statement = this.database.sql(LIST.formatted(where, "$" + values.size()));
		for (int i = 0; i < values.size(); i++) {
			statement = statement.bind(i, values.get(i));
		}
		return statement.map(HistoryQueries::listItem).all().collectList().map((rows) -> {
			List<Map<String, Object>> page = (rows.size() > query.limit()) ? rows.subList(0, query.limit()) : rows;
			String next = null;
			if (rows.size() > query.limit()) {
				Map<String, Object> last = page.get(page.size() - 1);
				next = new Cursor((Instant) last.get(STARTED_AT), (UUID) last.get("id")).encode();
			}
			return page(page, next);
		});
	}

	private static Map<String, Object> page(List<Map<String, Object>> rows, @Nullable String next) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("requests", rows.stream().map(HistoryQueries::withTimesAsText).toList());
		body.put("next", next);
		return body;
	}

	/**
	 * One request with every recorded field, its event and its channel snapshot; empty if
	 * unknown or of a channel not granted, which look the same.
	 */
	Mono<Map<String, Object>> find(UUID id, ChannelGrants grants) {
		if (grants.all()) {
			return this.database.sql(ONE.formatted("")).bind(0, id).map(this::detail).one();
		}
		return this.database.sql(ONE.formatted("AND r.channel_id = ANY($2)"))
			.bind(0, id)
			.bind(1, grants.array())
			.map(this::detail)
			.one();
	}

	/**
	 * Counts by state and latency percentiles of a channel's requests that started in the
	 * window.
	 */
	Mono<Map<String, Object>> summary(String channel, Instant from, Instant to) {
		return this.database.sql(SUMMARY).bind(0, channel).bind(1, from).bind(2, to).map((row) -> {
			Map<String, Object> summary = new LinkedHashMap<>();
			summary.put("channel_id", channel);
			summary.put("from", from.toString());
			summary.put("to", to.toString());
			summary.put("total", total(row));
			summary.put("states", states(row));
			summary.put("latency_ms", latency(row));
			return summary;
		}).one();
	}

	/**
	 * A channel's requests that started in the window, by bucket of the given width from
	 * {@code from} on (the last one ends at {@code to}): counts by state and latency
	 * percentiles, every bucket present, empty ones with zeros.
	 */
	Mono<Map<String, Object>> buckets(String channel, Instant from, Instant to, Duration width) {
		return this.database.sql(BUCKETS)
			.bind(0, channel)
			.bind(1, from)
			.bind(2, to)
			.bind(3, (double) width.toSeconds())
			.map(HistoryQueries::bucket)
			.all()
			.collectList()
			.map((rows) -> {
				Map<String, Object> body = new LinkedHashMap<>();
				body.put("channel_id", channel);
				body.put("from", from.toString());
				body.put("to", to.toString());
				body.put("bucket", width.toString());
				body.put("bucket_seconds", width.toSeconds());
				body.put("buckets", rows);
				return body;
			});
	}

	private static Map<String, Object> bucket(Readable row) {
		Map<String, Object> bucket = new LinkedHashMap<>();
		bucket.put("start", text(row.get("start", Instant.class)));
		bucket.put("total", total(row));
		bucket.put("states", states(row));
		bucket.put("latency_ms", latency(row));
		return bucket;
	}

	// Success is what the other states leave of the closed requests
	// (COUNTS_AND_LATENCIES); pending requests are counted apart.
	private static Map<String, Object> states(Readable row) {
		long failed = row.get("failed", Long.class);
		long timeout = row.get("timeout", Long.class);
		long error = row.get("error", Long.class);
		Map<String, Object> states = new LinkedHashMap<>();
		states.put("pending", row.get("pending", Long.class));
		states.put("success", row.get("closed", Long.class) - failed - timeout - error);
		states.put("failed", failed);
		states.put("timeout", timeout);
		states.put("error", error);
		return states;
	}

	private static long total(Readable row) {
		return row.get("closed", Long.class) + row.get("pending", Long.class);
	}

	private static Map<String, Object> latency(Readable row) {
		Map<String, Object> latency = new LinkedHashMap<>();
		latency.put("count", row.get("latencies", Long.class));
		latency.put("p50", row.get("p50", Integer.class));
		latency.put("p95", row.get("p95", Integer.class));
		return latency;
	}

	private static Map<String, Object> listItem(Readable row) {
		Map<String, Object> item = new LinkedHashMap<>();
		item.put("id", row.get("id", UUID.class));
		item.put("channel_id", row.get("channel_id", String.class));
		item.put("state", row.get("state", String.class));
		item.put("client_auth", row.get("client_auth", String.class));
		item.put("response_status", row.get("response_status", Integer.class));
		item.put("latency_ms", row.get("latency_ms", Integer.class));
		item.put(STARTED_AT, row.get(STARTED_AT, Instant.class));
		item.put("completed_at", row.get("completed_at", Instant.class));
		item.put("request_method", row.get("request_method", String.class));
		item.put("request_path", row.get("request_path", String.class));
		return item;
	}

	// Instants as ISO-8601 text (to the microsecond, as stored), whatever the JSON
	// mapper's settings.
	private static Map<String, Object> withTimesAsText(Map<String, Object> item) {
		Map<String, Object> shown = new LinkedHashMap<>(item);
		shown.replaceAll((name, value) -> (value instanceof Instant instant) ? instant.toString() : value);
		return shown;
	}

	private Map<String, Object> detail(Readable row) {
		Map<String, Object> request = new LinkedHashMap<>();
		request.put("id", row.get("id", UUID.class));
		request.put("channel_id", row.get("channel_id", String.class));
		request.put("state", row.get("state", String.class));
		request.put("client_identity", row.get("client_identity", String.class));
		request.put("client_auth", row.get("client_auth", String.class));
		request.put(STARTED_AT, text(row.get(STARTED_AT, Instant.class)));
		request.put("completed_at", text(row.get("completed_at", Instant.class)));
		request.put("owner", row.get("owner", String.class));
		request.put("channel_snapshot_id", row.get("channel_snapshot_id", UUID.class));
		request.put("snapshot", snapshot(row));
		request.put("current_snapshot", currentSnapshot(row));
		request.put("snapshot_is_current", snapshotIsCurrent(row));
		request.put("event", event(row));
		return request;
	}

	// The definition a gateway took into use last (V9, one row of
	// channel_snapshots_channel_in_force_idx): what the channel is now, as far as the
	// database knows. Not the newest row: a channel that went back to an earlier
	// definition uses that definition's row again.
	private static @Nullable Map<String, Object> currentSnapshot(Readable row) {
		UUID id = row.get("current_snapshot_id", UUID.class);
		if (id == null) {
			return null;
		}
		Map<String, Object> current = new LinkedHashMap<>();
		current.put("id", id);
		current.put("config_hash", row.get("current_config_hash", String.class));
		current.put("created_at", text(row.get("current_created_at", Instant.class)));
		current.put("in_force_at", text(row.get("current_in_force_at", Instant.class)));
		return current;
	}

	// Null when there is nothing to compare: a request from before snapshots.
	private static @Nullable Boolean snapshotIsCurrent(Readable row) {
		String hash = row.get("config_hash", String.class);
		String current = row.get("current_config_hash", String.class);
		return (hash != null && current != null) ? hash.equals(current) : null;
	}

	private @Nullable Map<String, Object> snapshot(Readable row) {
		UUID id = row.get("snapshot_id", UUID.class);
		if (id == null) {
			return null;
		}
		Map<String, Object> snapshot = new LinkedHashMap<>();
		snapshot.put("id", id);
		snapshot.put("channel_id", row.get("snapshot_channel_id", String.class));
		snapshot.put("config_hash", row.get("config_hash", String.class));
		String definition = row.get("definition", String.class);
		snapshot.put("definition", (definition != null) ? this.json.readTree(definition) : null);
		snapshot.put("created_at", text(row.get("snapshot_created_at", Instant.class)));
		return snapshot;
	}

	// Absent while the request is pending.
	private @Nullable Map<String, Object> event(Readable row) {
		UUID id = row.get("event_id", UUID.class);
		if (id == null) {
			return null;
		}
		Map<String, Object> event = new LinkedHashMap<>();
		event.put("id", id);
		event.put("type", row.get("type", String.class));
		event.put("request_method", row.get("request_method", String.class));
		event.put("request_path", row.get("request_path", String.class));
		event.put("request_query", row.get("request_query", String.class));
		event.put("sink_url", row.get("sink_url", String.class));
		event.put("request_headers", StoredHeaders.render(row.get("request_headers", String.class), this.json));
		String stored = row.get("redactions", String.class);
		JsonNode redactions = (stored != null) ? this.json.readTree(stored) : this.json.createObjectNode();
		event.put("request_body",
				Preview.body(row.get("request_body_size", Long.class), row.get("request_body_hash", String.class),
						row.get("request_body_preview", byte[].class), receivedBytes(redactions, "request")));
		event.put("response_status", row.get("response_status", Integer.class));
		event.put("response_headers", StoredHeaders.render(row.get("response_headers", String.class), this.json));
		event.put("response_body",
				Preview.body(row.get("response_body_size", Long.class), row.get("response_body_hash", String.class),
						row.get("response_body_preview", byte[].class), receivedBytes(redactions, "response")));
		event.put("latency_ms", row.get("latency_ms", Integer.class));
		event.put("ttfb_ms", row.get("ttfb_ms", Integer.class));
		event.put("connect_us", row.get("connect_us", Long.class));
		event.put("reused_connection", row.get("reused_connection", Boolean.class));
		event.put("request_sent_us", row.get("request_sent_us", Long.class));
		event.put("response_us", row.get("response_us", Long.class));
		event.put("error_message", row.get("error_message", String.class));
		event.put("inserted_at", text(row.get("inserted_at", Instant.class)));
		event.put("wiped_at", text(row.get("wiped_at", Instant.class)));
		// Which secret body fields were replaced in the previews: {} when they are as
		// received.
		event.put("redactions", redactions);
		return event;
	}

	// A redacted preview's own length is no measure of whether it holds the whole body.
	private static @Nullable Integer receivedBytes(JsonNode redactions, String body) {
		JsonNode received = redactions.path(body).path("received_bytes");
		return received.isNumber() ? received.asInt() : null;
	}

	private static @Nullable String text(@Nullable Instant instant) {
		return (instant != null) ? instant.toString() : null;
	}

}
