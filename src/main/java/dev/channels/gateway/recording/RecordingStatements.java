package dev.channels.gateway.recording;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.r2dbc.postgresql.codec.Json;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import dev.channels.gateway.database.ChannelOutcomes;
import dev.channels.gateway.observer.BodySummary;
import dev.channels.gateway.observer.Header;
import dev.channels.gateway.observer.RequestStart;

/**
 * The SQL of recording: the pending row before forwarding, and the outcomes after.
 * <p>
 * Statements go to the R2DBC driver directly, with positional parameters: they run for
 * every request, and a named-parameter layer would parse each of them again every time.
 */
class RecordingStatements {

	private static final String INSERT_PENDING = """
			INSERT INTO channel_requests (id, channel_id, client_identity, started_at, owner, channel_snapshot_id,
			    client_auth)
			VALUES %s""";

	private static final int INSERT_COLUMNS = 7;

	// The statement for each group size, built once.
	private static final Map<Integer, String> INSERT_BY_SIZE = new ConcurrentHashMap<>();

	// One statement for a batch of outcomes, so one round trip and one commit, and
	// atomic: the events, the final states and the charts' rows (V8) land together. The
	// request row gets a copy of the latency (V7). Closing the pending rows comes first:
	// the row locks make a retry, a second writer or a sweeper that comes later find a
	// row closed and write nothing for it, so there is one event and one outcome per
	// request.
	private static final String COMPLETE = """
			WITH input (event_id, request_id, type, method, path, query, sink_url, request_headers,
			    request_preview, request_hash, request_size, response_status, response_headers, response_preview,
			    response_hash, response_size, latency_ms, ttfb_ms, error_message, state, completed_at, redactions,
			    connect_us, reused_connection, request_sent_us, response_us) AS (
			    VALUES %s),
			closed AS (
			    UPDATE channel_requests r SET state = i.state, completed_at = i.completed_at, latency_ms = i.latency_ms
			    FROM input i WHERE r.id = i.request_id AND r.state = 'pending'
			    RETURNING r.id, r.channel_id, r.started_at, r.state, r.latency_ms),
			%s
			INSERT INTO channel_events (id, channel_request_id, type, request_method, request_path, request_query,
			    sink_url, request_headers, request_body_preview, request_body_hash, request_body_size,
			    response_status, response_headers, response_body_preview, response_body_hash, response_body_size,
			    latency_ms, ttfb_ms, error_message, redactions, connect_us, reused_connection, request_sent_us,
			    response_us)
			SELECT i.event_id, i.request_id, i.type, i.method, i.path, i.query, i.sink_url, i.request_headers,
			    i.request_preview, i.request_hash, i.request_size, i.response_status, i.response_headers,
			    i.response_preview, i.response_hash, i.response_size, i.latency_ms, i.ttfb_ms, i.error_message,
			    i.redactions, i.connect_us, i.reused_connection, i.request_sent_us, i.response_us
			FROM input i JOIN closed c ON c.id = i.request_id""".formatted("%s", ChannelOutcomes.FROM_CLOSED);

	private static final int COMPLETE_COLUMNS = 26;

	// The statement for each batch size, built once (a handful of sizes are ever used).
	private static final Map<Integer, String> COMPLETE_BY_SIZE = new ConcurrentHashMap<>();

	// After a write refused for its data: an error event with only what cannot have
	// caused it.
	private static final String COMPLETE_AS_ERROR = """
			WITH closed AS (
			    UPDATE channel_requests SET state = 'error', completed_at = $1, latency_ms = $8
			    WHERE id = $2 AND state = 'pending'
			    RETURNING id, channel_id, started_at, state, latency_ms),
			%s
			INSERT INTO channel_events (id, channel_request_id, type, request_method, request_path,
			    request_body_hash, request_body_size, latency_ms, error_message, connect_us, reused_connection,
			    request_sent_us, response_us)
			SELECT $3, id, 'error', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13
			FROM closed""".formatted(ChannelOutcomes.FROM_CLOSED);

	// New requests' rows go through the application's pool, outcomes through their own.
	private final ConnectionFactory requestPool;

	private final ConnectionFactory outcomePool;

	private final JsonMapper json;

	private final String owner;

	RecordingStatements(ConnectionFactory requestPool, ConnectionFactory outcomePool, JsonMapper json, String owner) {
		this.requestPool = requestPool;
		this.outcomePool = outcomePool;
		this.json = json;
		this.owner = owner;
	}

	/**
	 * Inserts the pending rows of a group of requests, in one statement and one commit.
	 */
	Mono<Void> insertPending(List<PendingRow> rows) {
		String sql = INSERT_BY_SIZE.computeIfAbsent(rows.size(),
				(size) -> INSERT_PENDING.formatted(placeholders(size, INSERT_COLUMNS)));
		return execute(this.requestPool, sql, (statement) -> {
			for (int row = 0; row < rows.size(); row++) {
				RequestStart request = rows.get(row).request();
				int first = row * INSERT_COLUMNS;
				statement.bind(first, request.id()).bind(first + 1, request.channelId());
				bind(statement, first + 2, request.clientIdentity(), String.class);
				statement.bind(first + 3, request.startedAt())
					.bind(first + 4, this.owner)
					.bind(first + 5, rows.get(row).snapshotId());
				bind(statement, first + 6, request.clientPrincipal(), String.class);
			}
		}).then();
	}

	/**
	 * Closes the pending rows with the outcomes' states and writes their events.
	 * @return how many rows were closed: fewer than outcomes when some had no pending row
	 */
	Mono<Long> complete(List<OutcomeRow> outcomes) {
		String sql = COMPLETE_BY_SIZE.computeIfAbsent(outcomes.size(),
				(size) -> COMPLETE.formatted(placeholders(size, COMPLETE_COLUMNS)));
		return execute(this.outcomePool, sql, (statement) -> {
			for (int row = 0; row < outcomes.size(); row++) {
				bind(statement, row * COMPLETE_COLUMNS, outcomes.get(row));
			}
		});
	}

	// In the order of COMPLETE's input columns.
	private void bind(Statement statement, int first, OutcomeRow outcome) {
		BodySummary response = outcome.responseBody();
		statement.bind(first, outcome.eventId())
			.bind(first + 1, outcome.requestId())
			.bind(first + 2, outcome.eventType())
			.bind(first + 3, outcome.method())
			.bind(first + 4, outcome.path());
		bind(statement, first + 5, outcome.query(), String.class);
		bind(statement, first + 6, outcome.sinkUrl(), String.class);
		statement.bind(first + 7, headers(outcome.requestHeaders()))
			.bind(first + 8, outcome.requestBody().preview())
			.bind(first + 9, outcome.requestBody().sha256())
			.bind(first + 10, outcome.requestBody().size());
		bind(statement, first + 11, outcome.responseStatus(), Integer.class);
		bind(statement, first + 12, (outcome.responseHeaders() != null) ? headers(outcome.responseHeaders()) : null,
				Json.class);
		bind(statement, first + 13, (response != null) ? response.preview() : null, byte[].class);
		bind(statement, first + 14, (response != null) ? response.sha256() : null, String.class);
		bind(statement, first + 15, (response != null) ? response.size() : null, Long.class);
		statement.bind(first + 16, outcome.latencyMs());
		bind(statement, first + 17, outcome.ttfbMs(), Integer.class);
		bind(statement, first + 18, outcome.errorMessage(), String.class);
		statement.bind(first + 19, outcome.state().column()).bind(first + 20, outcome.completedAt());
		bind(statement, first + 21,
				outcome.redactions().isEmpty() ? null : Json.of(this.json.writeValueAsBytes(outcome.redactions())),
				Json.class);
		bindTimings(statement, first + 22, outcome);
	}

	// connect_us, reused_connection, request_sent_us, response_us.
	private static void bindTimings(Statement statement, int first, OutcomeRow outcome) {
		bind(statement, first, outcome.connectUs(), Long.class);
		bind(statement, first + 1, outcome.reusedConnection(), Boolean.class);
		bind(statement, first + 2, outcome.requestSentUs(), Long.class);
		bind(statement, first + 3, outcome.responseUs(), Long.class);
	}

	/**
	 * Closes the pending row as {@code error}, with an event that says why.
	 * @return 1, or 0 when there was no pending row to close
	 */
	Mono<Long> completeAsError(OutcomeRow outcome, String errorMessage) {
		return execute(this.outcomePool, COMPLETE_AS_ERROR, (statement) -> {
			statement.bind(0, outcome.completedAt())
				.bind(1, outcome.requestId())
				.bind(2, outcome.eventId())
				.bind(3, outcome.method())
				.bind(4, outcome.path())
				.bind(5, outcome.requestBody().sha256())
				.bind(6, outcome.requestBody().size())
				.bind(7, outcome.latencyMs())
				.bind(8, errorMessage);
			bindTimings(statement, 9, outcome);
		});
	}

	// [[name, value], ...] keeps arrival order and repeated names, which an object
	// cannot.
	private Json headers(List<Header> headers) {
		// HeaderJson also stores a NUL, which jsonb refuses, without losing the pair.
		return Json.of(HeaderJson.encode(headers, this.json));
	}

	/**
	 * Runs one statement on a connection of its own, and says how many rows it changed.
	 */
	private static Mono<Long> execute(ConnectionFactory database, String sql, Consumer<Statement> binding) {
		return Mono.usingWhen(database.create(), (connection) -> {
			Statement statement = connection.createStatement(sql);
			binding.accept(statement);
			return Flux.from(statement.execute()).flatMap(Result::getRowsUpdated).reduce(0L, Long::sum);
		}, Connection::close);
	}

	// "($1, $2), ($3, $4)" for two rows of two columns.
	private static String placeholders(int rows, int columns) {
		return IntStream.range(0, rows)
			.mapToObj((row) -> IntStream.rangeClosed(1, columns)
				.mapToObj((column) -> "$" + (row * columns + column))
				.collect(Collectors.joining(", ", "(", ")")))
			.collect(Collectors.joining(",\n    "));
	}

	private static void bind(Statement statement, int index, @Nullable Object value, Class<?> type) {
		if (value != null) {
			statement.bind(index, value);
		}
		else {
			statement.bindNull(index, type);
		}
	}

}
