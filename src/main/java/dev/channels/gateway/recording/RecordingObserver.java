package dev.channels.gateway.recording;

import java.time.Instant;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import dev.channels.gateway.observer.Admission;
import dev.channels.gateway.observer.ExchangeObserver;
import dev.channels.gateway.observer.ExchangeOutcome;
import dev.channels.gateway.observer.RequestStart;
import dev.channels.gateway.observer.ResponseStart;

import org.springframework.http.HttpStatus;

/**
 * Records every exchange in PostgreSQL: the {@code channel_requests} row before the request
 * is forwarded (no row, no forwarding), and the outcome after, off the request path.
 */
class RecordingObserver implements ExchangeObserver<RecordingState> {

	private static final Log logger = LogFactory.getLog(RecordingObserver.class);

	static final String UNRECORDABLE = """
			{"error":"recording_unavailable","message":"The request could not be recorded, so it was not forwarded."}""";

	private static final TimeBasedEpochGenerator EVENT_IDS = Generators.timeBasedEpochGenerator();

	private final RequestRecords records;

	private final CompletionQueue completions;

	private final HeaderRedactor redactor;

	RecordingObserver(RequestRecords records, CompletionQueue completions, HeaderRedactor redactor) {
		this.records = records;
		this.completions = completions;
		this.redactor = redactor;
	}

	@Override
	public Mono<Admission<RecordingState>> requestStarted(RequestStart request) {
		return this.records.insertPending(request)
			.thenReturn(Admission.proceed(new RecordingState(request, true, null)))
			.onErrorResume((error) -> {
				logger.error("Channel " + request.channelId() + ": request " + request.id()
						+ " could not be recorded, answered 503 and not forwarded: " + error);
				return Mono.just(Admission.reject(new RecordingState(request, false, null),
						HttpStatus.SERVICE_UNAVAILABLE, UNRECORDABLE));
			});
	}

	@Override
	public RecordingState responseStarted(RecordingState state, ResponseStart response) {
		return state.withResponse(response);
	}

	@Override
	public void responseFinished(RecordingState state, ExchangeOutcome outcome) {
		if (!state.stored()) {
			return;
		}
		this.completions.submit(Completion.of(state, outcome, EVENT_IDS.generate(), Instant.now(), this.redactor));
	}

}
