package dev.channels.gateway.recording;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.r2dbc.postgresql.codec.Json;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import dev.channels.gateway.observer.BodySummary;
import dev.channels.gateway.observer.Header;
import dev.channels.gateway.observer.RequestStart;

import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.r2dbc.core.DatabaseClient.GenericExecuteSpec;

/**
 * The SQL of recording: the pending row before forwarding, and the outcome after.
 */
class RequestRecords {

	private static final String INSERT_PENDING = """
			INSERT INTO channel_requests (id, channel_id, client_identity, started_at, owner)
			VALUES (:id, :channelId, :clientIdentity, :startedAt, :owner)""";

	// One statement for a batch of outcomes, so one round trip and one commit, and atomic: the
	// events and the final states land together. Closing the pending rows comes first: the
	// row locks make a retry, a second writer or a sweeper that comes later find a row closed
	// and write nothing for it, so there is one event per request.
	private static final String COMPLETE = """
			WITH input (event_id, request_id, type, method, path, query, sink_url, request_headers,
			    request_preview, request_hash, request_size, response_status, response_headers, response_preview,
			    response_hash, response_size, latency_ms, ttfb_ms, error_message, state, completed_at) AS (
			    VALUES %s),
			closed AS (
			    UPDATE channel_requests r SET state = i.state, completed_at = i.completed_at
			    FROM input i WHERE r.id = i.request_id AND r.state = 'pending'
			    RETURNING r.id)
			INSERT INTO channel_events (id, channel_request_id, type, request_method, request_path, request_query,
			    sink_url, request_headers, request_body_preview, request_body_hash, request_body_size,
			    response_status, response_headers, response_body_preview, response_body_hash, response_body_size,
			    latency_ms, ttfb_ms, error_message)
			SELECT i.event_id, i.request_id, i.type, i.method, i.path, i.query, i.sink_url, i.request_headers,
			    i.request_preview, i.request_hash, i.request_size, i.response_status, i.response_headers,
			    i.response_preview, i.response_hash, i.response_size, i.latency_ms, i.ttfb_ms, i.error_message
			FROM input i JOIN closed c ON c.id = i.request_id""";

	private static final String COMPLETE_ROW = """
			(:eventId#, :requestId#, :type#, :method#, :path#, :query#, :sinkUrl#, :requestHeaders#, \
			:requestPreview#, :requestHash#, :requestSize#, :responseStatus#, :responseHeaders#, :responsePreview#, \
			:responseHash#, :responseSize#, :latencyMs#, :ttfbMs#, :errorMessage#, :state#, :completedAt#)""";

	// The statement for each batch size, built once (a handful of sizes are ever used).
	private static final Map<Integer, String> COMPLETE_BY_SIZE = new ConcurrentHashMap<>();

	// After a write refused for its data: an error event with only what cannot have caused it.
	private static final String COMPLETE_AS_ERROR = """
			WITH closed AS (
			    UPDATE channel_requests SET state = 'error', completed_at = :completedAt
			    WHERE id = :requestId AND state = 'pending'
			    RETURNING id)
			INSERT INTO channel_events (id, channel_request_id, type, request_method, request_path,
			    request_body_hash, request_body_size, latency_ms, error_message)
			SELECT :eventId, id, 'error', :method, :path, :requestHash, :requestSize, :latencyMs, :errorMessage
			FROM closed""";

	// New requests' rows go through the application's pool, outcomes through their own.
	private final DatabaseClient starts;

	private final DatabaseClient outcomes;

	private final JsonMapper json;

	private final String owner;

	RequestRecords(DatabaseClient starts, DatabaseClient outcomes, JsonMapper json, String owner) {
		this.starts = starts;
		this.outcomes = outcomes;
		this.json = json;
		this.owner = owner;
	}

	Mono<Void> insertPending(RequestStart request) {
		GenericExecuteSpec insert = this.starts.sql(INSERT_PENDING)
			.bind("id", request.id())
			.bind("channelId", request.channelId())
			.bind("startedAt", request.startedAt())
			.bind("owner", this.owner);
		return nullable(insert, "clientIdentity", request.clientIdentity(), String.class).then();
	}

	/**
	 * Closes the pending rows with the outcomes' states and writes their events.
	 * @return how many rows were closed: fewer than outcomes when some had no pending row
	 */
	Mono<Long> complete(List<Completion> completions) {
		String sql = COMPLETE_BY_SIZE.computeIfAbsent(completions.size(), (size) -> COMPLETE.formatted(
				IntStream.range(0, size).mapToObj((row) -> COMPLETE_ROW.replace("#", String.valueOf(row)))
					.collect(Collectors.joining(",\n    "))));
		GenericExecuteSpec statement = this.outcomes.sql(sql);
		for (int row = 0; row < completions.size(); row++) {
			statement = bind(statement, completions.get(row), String.valueOf(row));
		}
		return statement.fetch().rowsUpdated();
	}

	private GenericExecuteSpec bind(GenericExecuteSpec statement, Completion completion, String row) {
		BodySummary response = completion.responseBody();
		GenericExecuteSpec spec = statement.bind("eventId" + row, completion.eventId())
			.bind("requestId" + row, completion.requestId())
			.bind("type" + row, completion.eventType())
			.bind("method" + row, completion.method())
			.bind("path" + row, completion.path())
			.bind("requestHeaders" + row, headers(completion.requestHeaders()))
			.bind("requestPreview" + row, completion.requestBody().preview())
			.bind("requestHash" + row, completion.requestBody().sha256())
			.bind("requestSize" + row, completion.requestBody().size())
			.bind("latencyMs" + row, completion.latencyMs())
			.bind("state" + row, completion.state().column())
			.bind("completedAt" + row, completion.completedAt());
		spec = nullable(spec, "query" + row, completion.query(), String.class);
		spec = nullable(spec, "sinkUrl" + row, completion.sinkUrl(), String.class);
		spec = nullable(spec, "responseStatus" + row, completion.responseStatus(), Integer.class);
		spec = nullable(spec, "responseHeaders" + row,
				(completion.responseHeaders() != null) ? headers(completion.responseHeaders()) : null, Json.class);
		spec = nullable(spec, "responsePreview" + row, (response != null) ? response.preview() : null, byte[].class);
		spec = nullable(spec, "responseHash" + row, (response != null) ? response.sha256() : null, String.class);
		spec = nullable(spec, "responseSize" + row, (response != null) ? response.size() : null, Long.class);
		spec = nullable(spec, "ttfbMs" + row, completion.ttfbMs(), Integer.class);
		return nullable(spec, "errorMessage" + row, completion.errorMessage(), String.class);
	}

	/**
	 * Closes the pending row as {@code error}, with an event that says why.
	 * @return 1, or 0 when there was no pending row to close
	 */
	Mono<Long> completeAsError(Completion completion, String errorMessage) {
		return this.outcomes.sql(COMPLETE_AS_ERROR)
			.bind("eventId", completion.eventId())
			.bind("requestId", completion.requestId())
			.bind("method", completion.method())
			.bind("path", completion.path())
			.bind("requestHash", completion.requestBody().sha256())
			.bind("requestSize", completion.requestBody().size())
			.bind("latencyMs", completion.latencyMs())
			.bind("errorMessage", errorMessage)
			.bind("completedAt", completion.completedAt())
			.fetch()
			.rowsUpdated();
	}

	// [[name, value], ...] keeps arrival order and repeated names, which an object cannot.
	private Json headers(List<Header> headers) {
		// HeaderJson also stores a NUL, which jsonb refuses, without losing the pair.
		return Json.of(HeaderJson.encode(headers, this.json));
	}

	private static GenericExecuteSpec nullable(GenericExecuteSpec spec, String name, @Nullable Object value,
			Class<?> type) {
		return (value != null) ? spec.bind(name, value) : spec.bindNull(name, type);
	}

}
