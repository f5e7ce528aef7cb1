package dev.channels.gateway.database;

/**
 * The rows of {@code channel_outcomes} (V8): one per closed request, inserted by the
 * statement that closes it and never updated, so that the history's charts read an index
 * that only grows and pages that autovacuum marks all-visible after inserts alone. Every
 * statement that closes pending requests (the outcome's, its error fallback, the
 * sweeper's) writes them with this fragment, so that no way of closing a request can
 * leave the charts without it.
 */
public final class ChannelOutcomes {

	/**
	 * A data-modifying {@code WITH} item, to follow a {@code closed} item that is an
	 * {@code UPDATE channel_requests ... WHERE state = 'pending' RETURNING id, channel_id,
	 * started_at, state, latency_ms}: its rows are exactly the requests this statement
	 * closed, each once.
	 */
	public static final String FROM_CLOSED = """
			outcomes AS (
			    INSERT INTO channel_outcomes (channel_id, started_at, state, latency_ms, request_id)
			    SELECT channel_id, started_at, state, latency_ms, id FROM closed)""";

	private ChannelOutcomes() {
	}

}
