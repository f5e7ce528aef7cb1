package dev.channels.gateway.recording;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import dev.channels.gateway.channel.Redaction;
import dev.channels.gateway.observer.BodySummary;
import dev.channels.gateway.observer.ExchangeOutcome;
import dev.channels.gateway.observer.Header;
import dev.channels.gateway.observer.RequestStart;
import dev.channels.gateway.observer.ResponseStart;
import dev.channels.gateway.observer.SinkTiming;

/**
 * The outcome of one request, ready to be written: its {@code channel_events} row and the
 * final state of its {@code channel_requests} row. Secrets are already redacted: nothing
 * unredacted waits in the queue. {@code redactions} is what
 * {@code channel_events.redactions} stores: by body ({@code request}, {@code response}),
 * the preview's length as received and how many values of each secret field were
 * replaced; empty when the previews are as received. The four timings of
 * {@link SinkTiming} are in microseconds.
 */
record OutcomeRow(UUID requestId, String channelId, UUID eventId, RequestState state, String eventType,
		Instant completedAt, String method, String path, @Nullable String query, List<Header> requestHeaders,
		@Nullable String sinkUrl, BodySummary requestBody, @Nullable Integer responseStatus,
		@Nullable List<Header> responseHeaders, @Nullable BodySummary responseBody, int latencyMs,
		@Nullable Integer ttfbMs, @Nullable String errorMessage, Map<String, Object> redactions,
		@Nullable Long connectUs, @Nullable Boolean reusedConnection, @Nullable Long requestSentUs,
		@Nullable Long responseUs) {

	static final String SINK_RESPONSE = "sink_response";

	static final String ERROR = "error";

	static final String NOT_FORWARDED = "not forwarded: the request's row was not written in time, "
			+ "the client was answered 503";

	static OutcomeRow of(RecordingState recording, ExchangeOutcome outcome, UUID eventId, Instant completedAt) {
		RequestStart request = recording.request();
		Redaction redaction = recording.policy().redaction();
		ResponseStart response = recording.response();
		SinkTiming timing = outcome.sinkTiming();
		Integer sinkStatus = (response != null) ? Integer.valueOf(response.status()) : null;
		RequestState state = RequestState.of(outcome.kind(),
				(sinkStatus != null) ? sinkStatus : outcome.clientStatus());
		boolean delivered = outcome.kind() == ExchangeOutcome.Kind.DELIVERED;
		boolean notForwarded = recording.row() == RecordingState.Row.TIMED_OUT;
		Map<String, Object> redactions = new LinkedHashMap<>();
		BodySummary requestBody = redacted("request", outcome.requestBody(), request.headers(), redaction, redactions);
		BodySummary responseBody = (outcome.responseBody() != null && response != null)
				? redacted("response", outcome.responseBody(), response.headers(), redaction, redactions)
				: outcome.responseBody();
		return new OutcomeRow(request.id(), request.channelId(), eventId, state, delivered ? SINK_RESPONSE : ERROR,
				completedAt, request.method(), request.path(), redaction.query(request.query()),
				redaction.headers(request.headers()),
				(outcome.sinkUrl() != null) ? redaction.uri(outcome.sinkUrl().toString()) : null, requestBody,
				sinkStatus, (response != null) ? redaction.headers(response.headers()) : null, responseBody,
				millis(outcome.latency().toNanos()),
				(response != null) ? millis(response.timeToFirstByte().toNanos()) : null,
				notForwarded ? NOT_FORWARDED : outcome.failure(), Collections.unmodifiableMap(redactions),
				micros(timing.connect()), timing.reusedConnection(), micros(timing.requestSent()),
				micros(timing.response()));
	}

	// The preview with secret fields replaced; the size and hash stay the real body's,
	// which they prove.
	private static BodySummary redacted(String body, BodySummary summary, List<Header> headers, Redaction redaction,
			Map<String, Object> redactions) {
		String contentType = headers.stream()
			.filter((header) -> header.name().equalsIgnoreCase("Content-Type"))
			.map(Header::value)
			.findFirst()
			.orElse(null);
		Redaction.RedactedBody redacted = redaction.body(contentType, summary.preview());
		if (redacted.fields().isEmpty()) {
			return summary;
		}
		// The preview's length as received: whether it holds the whole body is judged on
		// it.
		redactions.put(body, Map.of("received_bytes", summary.preview().length, "fields", redacted.fields()));
		return new BodySummary(summary.size(), summary.sha256(), redacted.preview());
	}

	private static @Nullable Long micros(@Nullable Duration duration) {
		return (duration != null) ? duration.toNanos() / 1_000 : null;
	}

	private static int millis(long nanos) {
		return (int) Math.min(Integer.MAX_VALUE, nanos / 1_000_000);
	}

}
