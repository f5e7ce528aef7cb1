package dev.channels.gateway.recording;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import dev.channels.gateway.channel.Redaction;
import dev.channels.gateway.observer.BodySummary;
import dev.channels.gateway.observer.ExchangeOutcome;
import dev.channels.gateway.observer.Header;
import dev.channels.gateway.observer.RequestStart;
import dev.channels.gateway.observer.ResponseStart;

/**
 * The outcome of one request, ready to be written: its {@code channel_events} row and the
 * final state of its {@code channel_requests} row. Secrets are already redacted: nothing
 * unredacted waits in the queue.
 */
record OutcomeRow(UUID requestId, String channelId, UUID eventId, RequestState state, String eventType,
		Instant completedAt, String method, String path, @Nullable String query, List<Header> requestHeaders,
		@Nullable String sinkUrl, BodySummary requestBody, @Nullable Integer responseStatus,
		@Nullable List<Header> responseHeaders, @Nullable BodySummary responseBody, int latencyMs,
		@Nullable Integer ttfbMs, @Nullable String errorMessage) {

	static final String SINK_RESPONSE = "sink_response";

	static final String ERROR = "error";

	static final String NOT_FORWARDED = "not forwarded: the request's row was not written in time, "
			+ "the client was answered 503";

	static OutcomeRow of(RecordingState recording, ExchangeOutcome outcome, UUID eventId, Instant completedAt) {
		RequestStart request = recording.request();
		Redaction redaction = recording.policy().redaction();
		ResponseStart response = recording.response();
		Integer sinkStatus = (response != null) ? Integer.valueOf(response.status()) : null;
		RequestState state = RequestState.of(outcome.kind(),
				(sinkStatus != null) ? sinkStatus : outcome.clientStatus());
		boolean delivered = outcome.kind() == ExchangeOutcome.Kind.DELIVERED;
		boolean notForwarded = recording.row() == RecordingState.Row.TIMED_OUT;
		return new OutcomeRow(request.id(), request.channelId(), eventId, state, delivered ? SINK_RESPONSE : ERROR,
				completedAt, request.method(), request.path(), redaction.query(request.query()),
				redaction.headers(request.headers()),
				(outcome.sinkUrl() != null) ? redaction.uri(outcome.sinkUrl().toString()) : null, outcome.requestBody(),
				sinkStatus, (response != null) ? redaction.headers(response.headers()) : null, outcome.responseBody(),
				millis(outcome.latency().toNanos()),
				(response != null) ? millis(response.timeToFirstByte().toNanos()) : null,
				notForwarded ? NOT_FORWARDED : outcome.failure());
	}

	private static int millis(long nanos) {
		return (int) Math.min(Integer.MAX_VALUE, nanos / 1_000_000);
	}

}
