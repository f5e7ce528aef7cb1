package dev.channels.gateway.recording;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import dev.channels.gateway.channel.ChannelPolicies;
import dev.channels.gateway.channel.ChannelPolicy;
import dev.channels.gateway.observer.Admission;
import dev.channels.gateway.observer.BodySummary;
import dev.channels.gateway.observer.ExchangeObserver;
import dev.channels.gateway.observer.ExchangeOutcome;
import dev.channels.gateway.observer.RequestStart;
import dev.channels.gateway.observer.ResponseStart;

import org.springframework.http.HttpStatus;

/**
 * Records every exchange in PostgreSQL: the {@code channel_requests} row before the
 * request is forwarded (no row, no forwarding), and the outcome after, off the request
 * path.
 */
class RecordingObserver implements ExchangeObserver<RecordingState> {

	private static final Log logger = LogFactory.getLog(RecordingObserver.class);

	// The answers of a refused request, with its id (as X-Channel-Request-Id has it).
	static final String UNRECORDABLE = """
			{"error":"recording_unavailable","message":"The request could not be recorded, so it was not forwarded.",\
			"requestId":"%s"}""";

	static final String BACKLOG_FULL = """
			{"error":"recording_backlog_full","message":"Too many outcomes wait to be recorded, so the request was not \
			forwarded. Retry later.","requestId":"%s"}""";

	private static final TimeBasedEpochGenerator EVENT_IDS = Generators.timeBasedEpochGenerator();

	private final PendingInserts inserts;

	private final OutcomeQueue outcomes;

	private final ChannelPolicies policies;

	private final ChannelSnapshots snapshots;

	private final Duration insertTimeout;

	private final PersistenceFailures failures;

	private final RecordingMetrics metrics;

	// Admitted exchanges whose outcome has not been handed to the queue yet.
	private final AtomicInteger inFlight = new AtomicInteger();

	RecordingObserver(PendingInserts inserts, OutcomeQueue outcomes, ChannelPolicies policies,
			ChannelSnapshots snapshots, Duration insertTimeout, PersistenceFailures failures,
			RecordingMetrics metrics) {
		this.inserts = inserts;
		this.outcomes = outcomes;
		this.policies = policies;
		this.snapshots = snapshots;
		this.insertTimeout = insertTimeout;
		this.failures = failures;
		this.metrics = metrics;
	}

	@Override
	public Mono<Admission<RecordingState>> requestStarted(RequestStart request) {
		ChannelPolicy policy = this.policies.policy(request.route());
		if (this.outcomes.rejectsWhenFull() && this.outcomes.full()) {
			logger.warn("Channel " + request.channelId() + ": request " + request.id()
					+ " answered 503 and not forwarded: the outcome backlog is full");
			return Mono.just(Admission.reject(RecordingState.notWritten(request, policy),
					HttpStatus.SERVICE_UNAVAILABLE, BACKLOG_FULL.formatted(request.id())));
		}
		// Running apart from the wait for it, so that a wait that times out leaves the
		// insert going: if it commits late, its row is known and gets closed. The row
		// names the channel's snapshot, so that is written first (once per definition,
		// not per request).
		long started = System.nanoTime();
		CompletableFuture<Void> insert = this.snapshots.snapshotOf(request.route())
			.thenCompose((snapshotId) -> this.inserts.insert(new PendingRow(request, snapshotId)));
		return Mono.fromFuture(insert, true).timeout(this.insertTimeout).then(Mono.fromSupplier(() -> {
			this.metrics.inserted(System.nanoTime() - started, "written");
			this.inFlight.incrementAndGet();
			return Admission.proceed(RecordingState.written(request, policy));
		})).onErrorResume((error) -> {
			boolean timedOut = error instanceof TimeoutException;
			this.metrics.inserted(System.nanoTime() - started, timedOut ? "timed_out" : "failed");
			String reason = timedOut ? "no answer from the database within " + this.insertTimeout : error.toString();
			this.failures.insertFailed(reason);
			logger.error("Channel " + request.channelId() + ": request " + request.id()
					+ " could not be recorded, answered 503 and not forwarded: " + reason);
			return Mono.just(Admission.reject(
					timedOut ? RecordingState.timedOut(request, policy, insert)
							: RecordingState.notWritten(request, policy),
					HttpStatus.SERVICE_UNAVAILABLE, UNRECORDABLE.formatted(request.id())));
		});
	}

	@Override
	public RecordingState responseStarted(RecordingState state, ResponseStart response) {
		return state.withResponse(response);
	}

	@Override
	public void responseFinished(RecordingState state, ExchangeOutcome outcome) {
		switch (state.row()) {
			case WRITTEN -> {
				OutcomeRow row = outcomeRow(state, outcome);
				this.outcomes.submit(row);
				this.inFlight.decrementAndGet();
				measure(state, outcome, row.state().column());
			}
			case TIMED_OUT -> {
				// Submitted once the late insert has committed; an insert that failed
				// wrote nothing.
				OutcomeRow notForwarded = outcomeRow(state, outcome);
				state.insert().thenRun(() -> this.outcomes.submit(notForwarded));
				measure(state, outcome, RecordingMetrics.REJECTED);
			}
			case NOT_WRITTEN -> measure(state, outcome, RecordingMetrics.REJECTED);
		}
	}

	private void measure(RecordingState state, ExchangeOutcome outcome, String recordedState) {
		ResponseStart response = state.response();
		BodySummary responseBody = outcome.responseBody();
		this.metrics.exchangeFinished(state.request().channelId(), recordedState, outcome.latency(),
				(response != null) ? response.timeToFirstByte() : Duration.ofNanos(-1), outcome.requestBody().size(),
				(responseBody != null) ? responseBody.size() : 0);
	}

	private OutcomeRow outcomeRow(RecordingState state, ExchangeOutcome outcome) {
		return OutcomeRow.of(state, outcome, EVENT_IDS.generate(), Instant.now());
	}

	/** Exchanges admitted whose outcome has not been handed over for writing yet. */
	int inFlight() {
		return this.inFlight.get();
	}

}
