package dev.channels.gateway.recovery;

import reactor.core.publisher.Mono;

import dev.channels.gateway.database.ChannelOutcomes;

import org.springframework.r2dbc.core.DatabaseClient;

/**
 * Closes the pending requests that no live instance will close: those of instances whose
 * lease has expired, and this instance's own when it stops. Each becomes {@code error}
 * with an {@code error} event saying that the gateway stopped before recording the
 * outcome, and its row in the charts' {@code channel_outcomes}.
 * <p>
 * Safe with several instances sweeping at once: a batch locks its rows and skips rows
 * that another sweeper holds, and a row is closed only while it is still pending, so an
 * outcome write and a sweep never both write an event.
 */
class AbandonedRequests {

	static final int BATCH_SIZE = 500;

	private static final String CLOSE = """
			WITH abandoned AS (
			    SELECT r.id FROM channel_requests r
			    WHERE r.state = 'pending' AND %s
			    LIMIT %d
			    FOR UPDATE OF r SKIP LOCKED),
			closed AS (
			    UPDATE channel_requests r SET state = 'error', completed_at = now()
			    FROM abandoned a WHERE r.id = a.id
			    RETURNING r.id, r.owner, r.channel_id, r.started_at, r.state, r.latency_ms),
			%s
			INSERT INTO channel_events (id, channel_request_id, type, error_message)
			SELECT gen_random_uuid(), id, 'error', 'the gateway stopped before recording the outcome (instance '
			    || owner || ' %s)'
			FROM closed""";

	// Rows without an owner predate leases: nothing tells whether their instance is
	// alive.
	private static final String CLOSE_EXPIRED = CLOSE.formatted("""
			r.owner IS NOT NULL AND r.owner <> :self
			      AND NOT EXISTS (SELECT 1 FROM channel_instances i WHERE i.id = r.owner AND i.expires_at > now())""",
			BATCH_SIZE, ChannelOutcomes.FROM_CLOSED, "lost its lease");

	private static final String CLOSE_OWN = CLOSE.formatted("r.owner = :self", BATCH_SIZE, ChannelOutcomes.FROM_CLOSED,
			"shut down");

	// Their pending rows are closed by the statement above whether the lease row is there
	// or not.
	private static final String FORGET_EXPIRED = "DELETE FROM channel_instances WHERE expires_at < now()";

	private final DatabaseClient database;

	private final String self;

	AbandonedRequests(DatabaseClient database, String self) {
		this.database = database;
		this.self = self;
	}

	/**
	 * Closes the pending requests of instances whose lease has expired.
	 * @return how many were closed
	 */
	Mono<Long> closeExpired() {
		return closeAll(CLOSE_EXPIRED).flatMap((closed) -> this.database.sql(FORGET_EXPIRED).then().thenReturn(closed));
	}

	/**
	 * Closes this instance's pending requests: on shutdown, once every exchange has ended
	 * and every outcome that could be written has been, any left is one whose outcome was
	 * lost.
	 * @return how many were closed
	 */
	Mono<Long> closeOwn() {
		return closeAll(CLOSE_OWN);
	}

	// Batch after batch, so that a crash with many requests in flight makes no huge
	// transaction.
	private Mono<Long> closeAll(String sql) {
		return closeBatch(sql).expand((closed) -> (closed < BATCH_SIZE) ? Mono.empty() : closeBatch(sql))
			.reduce(0L, Long::sum);
	}

	private Mono<Long> closeBatch(String sql) {
		return this.database.sql(sql).bind("self", this.self).fetch().rowsUpdated();
	}

}
