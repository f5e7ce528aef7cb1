package dev.channels.gateway.history;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.uuid.Generators;
import com.fasterxml.uuid.impl.TimeBasedEpochGenerator;

import dev.channels.gateway.support.RecordedRequests;
import dev.channels.gateway.support.TestBodies;
import dev.channels.gateway.support.TestDatabase;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Rows written straight into the shared test database, for cases the gateway cannot be
 * made to produce on demand (known latencies, past times, wiped events, snapshots). Each
 * test uses channels and a time window of its own, so that the rows of other tests never
 * match its filters.
 */
final class HistoryRows {

	private static final TimeBasedEpochGenerator IDS = Generators.timeBasedEpochGenerator();

	private static final String EMPTY_SHA256 = TestBodies.sha256(new byte[0]);

	private final JdbcClient jdbc = new RecordedRequests(TestDatabase.get()).jdbc();

	JdbcClient jdbc() {
		return this.jdbc;
	}

	/** A channel id no other test uses. */
	static String channel(String name) {
		return "history-" + name + "-" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
	}

	/**
	 * The start of a window of a few hours, between 1,000 and 3,000 days ago, that no
	 * other test's rows fall in: the gateway's are now, retention's tests use other ages
	 * (and delete what is older than ten years, which these are not).
	 */
	static Instant window() {
		long seconds = ThreadLocalRandom.current().nextLong(1000L * 86400, 3000L * 86400);
		return now().minusSeconds(seconds).truncatedTo(ChronoUnit.SECONDS);
	}

	/**
	 * A request row and, unless it is pending, its row in channel_outcomes and its
	 * sink_response event with the status and latency. Without an owner, as rows from
	 * before leases: the sweeper leaves their pending rows pending.
	 */
	UUID insert(String channel, String state, Instant startedAt, Integer status, Integer latencyMs) {
		return insert(UUID.randomUUID(), channel, state, startedAt, status, latencyMs);
	}

	UUID insert(UUID id, String channel, String state, Instant startedAt, Integer status, Integer latencyMs) {
		boolean pending = "pending".equals(state);
		this.jdbc
			.sql("""
					INSERT INTO channel_requests (id, channel_id, state, client_identity, started_at, completed_at, latency_ms)
					VALUES (?, ?, ?, '192.0.2.1', ?, ?, ?)""")
			.params(id, channel, state, time(startedAt), pending ? null : time(startedAt.plusMillis(latencyMs)),
					pending ? null : latencyMs)
			.update();
		if (!pending) {
			// As the statement that closes a request writes it (V8).
			this.jdbc.sql("""
					INSERT INTO channel_outcomes (channel_id, started_at, state, latency_ms, request_id)
					VALUES (?, ?, ?, ?, ?)""").params(channel, time(startedAt), state, latencyMs, id).update();
			this.jdbc.sql("""
					INSERT INTO channel_events (id, channel_request_id, type, request_method, request_path,
					    request_headers, request_body_preview, request_body_hash, request_body_size,
					    response_status, response_headers, response_body_preview, response_body_hash,
					    response_body_size, latency_ms, ttfb_ms)
					VALUES (?, ?, 'sink_response', 'GET', ?, '[["Accept", "*/*"]]', ''::bytea, ?, 0,
					    ?, '[]', ''::bytea, ?, 0, ?, ?)""")
				.params(UUID.randomUUID(), id, "/channels/" + channel + "/x", EMPTY_SHA256, status, EMPTY_SHA256,
						latencyMs, latencyMs)
				.update();
		}
		return id;
	}

	/** Sets how the request's client authenticated ({@code api-key:partner-a}). */
	void clientAuth(UUID id, String clientAuth) {
		this.jdbc.sql("UPDATE channel_requests SET client_auth = ? WHERE id = ?").params(clientAuth, id).update();
	}

	/** A time-ordered id, as the gateway makes them. */
	static UUID newId() {
		return IDS.generate();
	}

	/** Now, to the microsecond that PostgreSQL keeps. */
	static Instant now() {
		return Instant.now().truncatedTo(ChronoUnit.MICROS);
	}

	static OffsetDateTime time(Instant instant) {
		return OffsetDateTime.ofInstant(instant, ZoneOffset.UTC);
	}

}
