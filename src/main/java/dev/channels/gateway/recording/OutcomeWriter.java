package dev.channels.gateway.recording;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTransientException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;
import reactor.util.retry.RetryBackoffSpec;

import dev.channels.gateway.ChannelsProperties;
import dev.channels.gateway.observer.Causes;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.TransientDataAccessException;

/**
 * Writes outcomes, retrying failures that may pass (the connection was lost, the write
 * timed out, the database asked to retry) with exponential backoff a bounded number of
 * times. A write refused for its data, or still failing after the last retry, closes the
 * request as {@code error} instead, with an event that says why and leaves out the
 * headers and previews that may have caused the failure.
 */
class OutcomeWriter {

	private static final Log logger = LogFactory.getLog(OutcomeWriter.class);

	private static final Set<String> PASSING_STATE_CLASSES = Set.of("08", "40", "53", "57");

	private final RecordingStatements statements;

	private final Duration timeout;

	private final RetryBackoffSpec retry;

	private final AtomicLong retries = new AtomicLong();

	private final PersistenceFailures failures;

	private final RecordingMetrics metrics;

	OutcomeWriter(RecordingStatements statements, Duration timeout, ChannelsProperties.Retry retry,
			PersistenceFailures failures, RecordingMetrics metrics) {
		this.statements = statements;
		this.timeout = timeout;
		this.failures = failures;
		this.metrics = metrics;
		this.retry = Retry.backoff(retry.maxRetries(), retry.firstBackoff())
			.maxBackoff(retry.maxBackoff())
			.filter(OutcomeWriter::mayPass)
			.doBeforeRetry((signal) -> this.retries.incrementAndGet())
			.onRetryExhaustedThrow((spec, signal) -> signal.failure());
	}

	/**
	 * Writes a batch of outcomes in one statement. If the database refuses the batch for
	 * its data, its outcomes are written one by one, inside the batch's slot, so that one
	 * outcome the database refuses costs no other its record. If it still fails for a
	 * passing reason after the last retry, the batch fails once, counted: its rows stay
	 * pending and are closed by this instance at shutdown or by the sweeper.
	 */
	Mono<Void> write(List<OutcomeRow> batch) {
		if (batch.size() == 1) {
			return write(batch.get(0));
		}
		long started = System.nanoTime();
		return attempt(() -> this.statements.complete(batch)).doOnNext((rows) -> {
			long took = System.nanoTime() - started;
			batch.forEach((row) -> this.metrics.outcomeWritten(took, "written"));
		}).then().onErrorResume((error) -> {
			if (mayPass(error)) {
				long took = System.nanoTime() - started;
				batch.forEach((row) -> {
					this.failures.writeFailed(String.valueOf(error.getMessage()));
					this.metrics.outcomeWritten(took, "failed");
				});
				logger.error("A batch of " + batch.size() + " outcomes, the first of request "
						+ batch.get(0).requestId() + ", could not be written after its retries (" + error.getMessage()
						+ "); the requests stay pending until this instance stops or the sweeper closes them");
				return Mono.empty();
			}
			logger.warn("A batch of " + batch.size() + " outcomes could not be written (" + error.getMessage()
					+ "); writing them one by one");
			return Flux.fromIterable(batch).concatMap(this::write).then();
		});
	}

	Mono<Void> write(OutcomeRow outcome) {
		long started = System.nanoTime();
		Mono<String> written = attempt(() -> this.statements.complete(List.of(outcome))).map((rows) -> "written");
		return written.onErrorResume((error) -> {
			String reason = "recording the outcome failed: " + error.getMessage();
			logger.error(describe(outcome) + reason + "; marking it error");
			return attempt(() -> this.statements.completeAsError(outcome, reason)).map((rows) -> "error");
		}).onErrorResume((error) -> {
			this.failures.writeFailed(String.valueOf(error.getMessage()));
			logger.error(describe(outcome) + "the outcome could not be written (" + error.getMessage()
					+ "); the request stays pending until this instance stops");
			return Mono.just("failed");
		}).doOnNext((result) -> this.metrics.outcomeWritten(System.nanoTime() - started, result)).then();
	}

	/** Retries of outcome writes, since start. */
	long retries() {
		return this.retries.get();
	}

	// Deferred, so that a failure while building the statement is handled like the
	// others.
	private Mono<Long> attempt(Supplier<Mono<Long>> statement) {
		return Mono.defer(statement).timeout(this.timeout).retryWhen(this.retry);
	}

	/**
	 * Whether a failed write may succeed when tried again. With an SQLSTATE, its class
	 * says: connection lost (08), transaction rolled back, such as a serialization
	 * failure or a deadlock (40), out of resources (53), server shutting down or
	 * restarting (57), lock not available (55P03). Anything else the database answered, a
	 * trigger's exception among them, is about the data and would fail again. Without
	 * one, the failure is the client's: no connection, connection closed, or no answer in
	 * time.
	 */
	static boolean mayPass(Throwable error) {
		if (error instanceof TimeoutException) {
			return true;
		}
		Optional<String> sqlState = Causes.of(error)
			.filter((cause) -> cause instanceof R2dbcException r2dbc && r2dbc.getSqlState() != null)
			.map((cause) -> ((R2dbcException) cause).getSqlState())
			.findFirst();
		if (sqlState.isPresent()) {
			String state = sqlState.get();
			return PASSING_STATE_CLASSES.contains(state.substring(0, Math.min(2, state.length())))
					|| state.equals("55P03");
		}
		if (Causes.any(error,
				(cause) -> cause instanceof R2dbcTransientException
						|| cause instanceof R2dbcNonTransientResourceException || cause instanceof IOException
						|| cause instanceof TimeoutException)) {
			return true;
		}
		return error instanceof TransientDataAccessException || error instanceof DataAccessResourceFailureException;
	}

	private static String describe(OutcomeRow outcome) {
		return "Request " + outcome.requestId() + " on channel " + outcome.channelId() + ": ";
	}

}
