package dev.channels.gateway.retention;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

import dev.channels.gateway.ChannelsProperties;

import org.springframework.r2dbc.core.DatabaseClient;

/**
 * Retention: deletes the requests older than {@code channels.retention.max-age} with
 * their events, and wipes the previews and header values of events older than
 * {@code channels.retention.wipe-after}. Ages are judged by the database's clock.
 * <p>
 * Work goes in batches of {@code batch-size} rows, each one statement and one short
 * transaction, oldest first, until a batch comes back short. A batch locks its rows with
 * {@code FOR UPDATE SKIP LOCKED}, so instances running passes at once take different rows
 * and none waits for another; a row that another instance has just deleted or wiped no
 * longer matches when it is locked, so nothing is counted twice.
 * <p>
 * The locks never meet the recording's in a cycle. Deletes take only rows that are not
 * {@code pending}, which the outcome writes and the sweepers never touch again (they lock
 * pending rows only), and lock a request before its event (the cascade), as those do.
 * Wipes lock events only, and skip any already locked, so they never wait: a delete may
 * wait for a wipe to commit, never the other way round.
 */
class RetentionStatements {

	// Oldest first, from channel_requests_started_idx read backwards. The charts' rows of
	// the same requests go in the same statement (found by their channel's index, the
	// request id telling apart two requests that started in the same microsecond), so the
	// charts never count a request the history no longer has. The count is of requests.
	private static final String DELETE = """
			WITH expired AS (
			    SELECT id, channel_id, started_at FROM channel_requests
			    WHERE started_at < now() - make_interval(secs => :age) AND state <> 'pending'
			    ORDER BY started_at
			    LIMIT :batch
			    FOR UPDATE SKIP LOCKED),
			outcomes AS (
			    DELETE FROM channel_outcomes o USING expired x
			    WHERE o.channel_id = x.channel_id AND o.started_at = x.started_at AND o.request_id = x.id)
			DELETE FROM channel_requests r USING expired x WHERE r.id = x.id""";

	// Oldest first, from the partial index channel_events_unwiped_idx, which holds only
	// the events not wiped yet. A null column stays null: an error event may have no
	// headers or previews at all.
	private static final String WIPE = """
			WITH expired AS (
			    SELECT id FROM channel_events
			    WHERE wiped_at IS NULL AND inserted_at < now() - make_interval(secs => :age)
			    ORDER BY inserted_at
			    LIMIT :batch
			    FOR UPDATE SKIP LOCKED)
			UPDATE channel_events e SET
			    request_headers = %s,
			    response_headers = %s,
			    request_body_preview = CASE WHEN e.request_body_preview IS NULL THEN NULL ELSE ''::bytea END,
			    response_body_preview = CASE WHEN e.response_body_preview IS NULL THEN NULL ELSE ''::bytea END,
			    wiped_at = now()
			FROM expired x WHERE e.id = x.id""".formatted(wipedValues("e.request_headers"),
			wipedValues("e.response_headers"));

	private final DatabaseClient database;

	private final ChannelsProperties.Retention settings;

	private final Scheduler scheduler;

	private final Duration batchTimeout;

	private final AtomicLong deleted = new AtomicLong();

	private final AtomicLong wiped = new AtomicLong();

	private volatile boolean stopped;

	/**
	 * @param database the outcome writes' database, not the pool of new requests' rows
	 * @param settings what to delete and wipe, and how fast
	 * @param scheduler where the pauses between batches are timed
	 * @param batchTimeout longest wait for one batch
	 */
	RetentionStatements(DatabaseClient database, ChannelsProperties.Retention settings, Scheduler scheduler,
			Duration batchTimeout) {
		this.database = database;
		this.settings = settings;
		this.scheduler = scheduler;
		this.batchTimeout = batchTimeout;
	}

	/**
	 * One pass: deletes what is older than max-age, then wipes what is older than
	 * wipe-after, so that nothing is wiped only to be deleted.
	 */
	Mono<Pass> pass() {
		return deleteExpired().zipWhen((deleted) -> wipeExpired(), Pass::new);
	}

	/**
	 * Deletes the requests older than max-age, with their events, batch after batch.
	 * @return how many requests were deleted
	 */
	Mono<Long> deleteExpired() {
		if (!this.settings.deletes()) {
			return Mono.just(0L);
		}
		return inBatches(DELETE, this.settings.maxAge(), this.deleted);
	}

	/**
	 * Wipes the previews and header values of the events older than wipe-after that are
	 * not wiped yet, batch after batch.
	 * @return how many events were wiped
	 */
	Mono<Long> wipeExpired() {
		if (!this.settings.wipes()) {
			return Mono.just(0L);
		}
		return inBatches(WIPE, this.settings.wipeAfter(), this.wiped);
	}

	/**
	 * No batch starts after this until {@link #resume()}; the one running, if any,
	 * finishes.
	 */
	void stop() {
		this.stopped = true;
	}

	void resume() {
		this.stopped = false;
	}

	/** Requests deleted since start, by every pass of this instance. */
	long deleted() {
		return this.deleted.get();
	}

	/** Events wiped since start, by every pass of this instance. */
	long wiped() {
		return this.wiped.get();
	}

	ChannelsProperties.Retention settings() {
		return this.settings;
	}

	private Mono<Long> inBatches(String sql, Duration age, AtomicLong total) {
		int size = this.settings.batchSize();
		Mono<Long> batch = Mono.defer(() -> this.stopped ? Mono.just(0L)
				: this.database.sql(sql)
					.bind("age", age.toMillis() / 1000.0)
					.bind("batch", size)
					.fetch()
					.rowsUpdated()
					.timeout(this.batchTimeout)
					.doOnNext(total::addAndGet));
		return batch.expand(
				(done) -> (done < size) ? Mono.empty() : Mono.delay(this.settings.pause(), this.scheduler).then(batch))
			.reduce(0L, Long::sum);
	}

	// [[name, value], ...] becomes [[name, null], ...], and a pair stored as Base64
	// [name, value, "base64"] becomes [name, null, "base64"] (HeaderJson): names, order
	// and form stay. An element that is not a pair, which the gateway never writes, is
	// wiped whole.
	private static String wipedValues(String column) {
		return """
				CASE WHEN %1$s IS NULL THEN NULL
				        WHEN jsonb_typeof(%1$s) <> 'array' THEN 'null'::jsonb
				        ELSE coalesce((SELECT jsonb_agg(CASE WHEN jsonb_typeof(pair) = 'array'
				                THEN jsonb_set(pair, '{1}', 'null'::jsonb) ELSE 'null'::jsonb END ORDER BY position)
				            FROM jsonb_array_elements(%1$s) WITH ORDINALITY AS header (pair, position)), '[]'::jsonb) END"""
			.formatted(column);
	}

	/**
	 * What one pass did.
	 *
	 * @param deleted requests deleted with their events
	 * @param wiped events wiped
	 */
	record Pass(long deleted, long wiped) {
	}

}
