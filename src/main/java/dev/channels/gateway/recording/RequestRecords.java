package dev.channels.gateway.recording;

import java.util.List;

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

	// One statement, so one round trip and atomic: the event and the final state land together.
	// Closing the pending row comes first: its row lock makes a retry, a second writer or a
	// sweeper that comes later find the row closed and write nothing, so there is one event.
	private static final String COMPLETE = """
			WITH closed AS (
			    UPDATE channel_requests SET state = :state, completed_at = :completedAt
			    WHERE id = :requestId AND state = 'pending'
			    RETURNING id)
			INSERT INTO channel_events (id, channel_request_id, type, request_method, request_path, request_query,
			    sink_url, request_headers, request_body_preview, request_body_hash, request_body_size,
			    response_status, response_headers, response_body_preview, response_body_hash, response_body_size,
			    latency_ms, ttfb_ms, error_message)
			SELECT :eventId, id, :type, :method, :path, :query, :sinkUrl, :requestHeaders, :requestPreview,
			    :requestHash, :requestSize, :responseStatus, :responseHeaders, :responsePreview, :responseHash,
			    :responseSize, :latencyMs, :ttfbMs, :errorMessage
			FROM closed""";

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
	 * Closes the pending row with the outcome's state and writes its event.
	 * @return 1, or 0 when there was no pending row to close
	 */
	Mono<Long> complete(Completion completion) {
		BodySummary response = completion.responseBody();
		GenericExecuteSpec insert = this.outcomes.sql(COMPLETE)
			.bind("eventId", completion.eventId())
			.bind("requestId", completion.requestId())
			.bind("type", completion.eventType())
			.bind("method", completion.method())
			.bind("path", completion.path())
			.bind("requestHeaders", headers(completion.requestHeaders()))
			.bind("requestPreview", completion.requestBody().preview())
			.bind("requestHash", completion.requestBody().sha256())
			.bind("requestSize", completion.requestBody().size())
			.bind("latencyMs", completion.latencyMs())
			.bind("state", completion.state().column())
			.bind("completedAt", completion.completedAt());
		insert = nullable(insert, "query", completion.query(), String.class);
		insert = nullable(insert, "sinkUrl", completion.sinkUrl(), String.class);
		insert = nullable(insert, "responseStatus", completion.responseStatus(), Integer.class);
		insert = nullable(insert, "responseHeaders",
				(completion.responseHeaders() != null) ? headers(completion.responseHeaders()) : null, Json.class);
		insert = nullable(insert, "responsePreview", (response != null) ? response.preview() : null, byte[].class);
		insert = nullable(insert, "responseHash", (response != null) ? response.sha256() : null, String.class);
		insert = nullable(insert, "responseSize", (response != null) ? response.size() : null, Long.class);
		insert = nullable(insert, "ttfbMs", completion.ttfbMs(), Integer.class);
		insert = nullable(insert, "errorMessage", completion.errorMessage(), String.class);
		return insert.fetch().rowsUpdated();
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
