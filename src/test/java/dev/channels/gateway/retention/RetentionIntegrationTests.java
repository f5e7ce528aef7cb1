package dev.channels.gateway.retention;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import dev.channels.gateway.ChannelsProperties;
import dev.channels.gateway.recording.TestOutcomes;
import dev.channels.gateway.recovery.InstanceLease;
import dev.channels.gateway.support.GatewayIntegrationTest;
import dev.channels.gateway.support.RecordedRequests;
import dev.channels.gateway.support.TestBodies;
import dev.channels.gateway.support.TestDatabase;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationContext;
import org.springframework.r2dbc.core.DatabaseClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Retention against the real tables: what is deleted, what is wiped, what is kept, and
 * several instances at once. Passes are called directly rather than waited for; rows are
 * made old by inserting them with {@code started_at} and {@code inserted_at} in the past,
 * so that the database's clock judges them as it would in production. The ages are years,
 * so that no row of another test class is ever old enough.
 */
@ExtendWith(OutputCaptureExtension.class)
class RetentionIntegrationTests extends GatewayIntegrationTest {

	private static final Duration MAX_AGE = Duration.ofDays(3650);

	private static final Duration WIPE_AFTER = Duration.ofDays(1825);

	/** Older than {@link #MAX_AGE}: deleted. */
	private static final String EXPIRED = "4000 days";

	/** Between the two ages: wiped, not deleted. */
	private static final String WIPEABLE = "2000 days";

	/** Younger than {@link #WIPE_AFTER}: kept whole. */
	private static final String RECENT = "100 days";

	/** Every row these tests insert is on a channel whose id starts with this. */
	private static final String CHANNEL = "retention";

	private static final String EXPIRED_REQUESTS = """
			SELECT count(*) FROM channel_requests
			WHERE started_at < now() - interval '3650 days' AND state <> 'pending'""";

	private static final String WIPEABLE_EVENTS = """
			SELECT count(*) FROM channel_events WHERE wiped_at IS NULL AND inserted_at < now() - interval '1825 days'""";

	private final RecordedRequests recorded = new RecordedRequests(TestDatabase.get());

	@Autowired
	private DatabaseClient database;

	@Autowired
	private ApplicationContext context;

	private TestOutcomes outcomes;

	@Autowired
	private InstanceLease lease;

	@Autowired
	private RetentionLifecycle sharedRetention;

	@Autowired
	private MeterRegistry meterRegistry;

	@BeforeEach
	void outcomes() {
		this.outcomes = new TestOutcomes(this.context);
	}

	@AfterEach
	void removeRows() {
		this.recorded.jdbc().sql("DROP TRIGGER IF EXISTS retention_failing_delete ON channel_requests").update();
		this.recorded.jdbc().sql("DROP TRIGGER IF EXISTS retention_slow_delete ON channel_requests").update();
		this.recorded.jdbc().sql("DELETE FROM channel_requests WHERE channel_id LIKE 'retention%'").update();
		this.recorded.jdbc().sql("DELETE FROM channel_outcomes WHERE channel_id LIKE 'retention%'").update();
	}

	@Test
	void requestsOlderThanTheMaxAgeAreDeletedWithTheirEventsAndYoungerOnesKept() {
		UUID success = request("success", EXPIRED);
		event(success, EXPIRED);
		UUID failed = request("failed", EXPIRED);
		event(failed, WIPEABLE);
		UUID errorWithoutEvent = request("error", EXPIRED);
		UUID justInside = request("success", "3649 days");
		event(justInside, "3649 days");
		UUID recent = request("timeout", RECENT);
		event(recent, RECENT);
		UUID now = request("success", "0 days");
		long expired = count(EXPIRED_REQUESTS);
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		RetentionStatements retention = retention(1000);
		new RetentionMetrics(retention, new RetentionLifecycle(retention, Schedulers.parallel(), Duration.ofSeconds(1)))
			.bindTo(meters);

		long deleted = retention.deleteExpired().block(Duration.ofSeconds(30));

		assertThat(expired).isGreaterThanOrEqualTo(3);
		assertThat(deleted).isEqualTo(expired);
		for (UUID gone : List.of(success, failed, errorWithoutEvent)) {
			assertThat(this.recorded.request(gone)).as("request %s", gone).isEmpty();
			assertThat(eventsOf(gone)).as("events of %s", gone).isZero();
			assertThat(outcomesOf(gone)).as("charts' row of %s", gone).isZero();
		}
		for (UUID kept : List.of(justInside, recent, now)) {
			assertThat(this.recorded.request(kept)).as("request %s", kept).isPresent();
			assertThat(outcomesOf(kept)).as("charts' row of %s", kept).isOne();
		}
		assertThat(eventsOf(justInside)).isOne();
		assertThat(eventsOf(recent)).isOne();
		assertThat(count(EXPIRED_REQUESTS)).isZero();
		assertThat(meters.get("channels.retention.deleted").functionCounter().count()).isEqualTo(deleted);
	}

	@Test
	void pendingRequestsAreNeverDeletedHoweverOld() {
		UUID pending = request("pending", EXPIRED);
		UUID closed = request("error", EXPIRED);

		retention(1000).pass().block(Duration.ofSeconds(30));

		assertThat(this.recorded.request(pending)).get()
			.satisfies((row) -> assertThat(row).containsEntry("state", "pending"));
		assertThat(this.recorded.request(closed)).isEmpty();
	}

	@Test
	void aPassDeletesBatchAfterBatchUntilOneComesBackShort() {
		int batchSize = 7;
		int rows = batchSize * 3 + 2;
		List<UUID> old = IntStream.range(0, rows).mapToObj((i) -> request("success", EXPIRED)).toList();
		old.forEach((id) -> event(id, EXPIRED));
		long expired = count(EXPIRED_REQUESTS);
		RetentionStatements retention = retention(batchSize);

		long deleted = retention.deleteExpired().block(Duration.ofSeconds(30));

		// No statement deletes more than a batch: this took at least four.
		assertThat(deleted).isEqualTo(expired).isGreaterThanOrEqualTo(rows);
		assertThat(old).allSatisfy((id) -> assertThat(this.recorded.request(id)).isEmpty());
		assertThat(count("SELECT count(*) FROM channel_events WHERE channel_request_id = ANY(?)",
				(Object) old.toArray(UUID[]::new)))
			.isZero();
	}

	@Test
	void aWipeEmptiesThePreviewsAndNullsTheHeaderValuesAndKeepsEverythingElse() {
		UUID plain = request("success", WIPEABLE);
		UUID plainEvent = event(plain, WIPEABLE);
		UUID nul = request("failed", WIPEABLE);
		UUID nulEvent = eventWithHeaders(nul, WIPEABLE, """
				[["Content-Type", "text/plain"], ["WC1OdWw=", "YQBi", "base64"], ["Accept", "*/*"]]""", """
				[["X-Sink", "yes"], ["U2V0LUNvb2tpZQ==", "AA==", "base64"]]""");
		UUID unanswered = request("error", WIPEABLE);
		UUID unansweredEvent = errorEvent(unanswered, WIPEABLE);
		UUID recent = request("success", RECENT);
		UUID recentEvent = event(recent, RECENT);
		Map<String, Object> plainBefore = eventRow(plainEvent);
		Map<String, Object> recentBefore = eventRow(recentEvent);

		long wiped = retention(1000).wipeExpired().block(Duration.ofSeconds(30));

		assertThat(wiped).isGreaterThanOrEqualTo(3);
		Map<String, Object> plainAfter = eventRow(plainEvent);
		assertThat(plainAfter.get("request_headers_json")).isEqualTo(
				"[[\"Content-Type\", null], [\"X-Trace\", null], [\"X-Trace\", null], [\"Authorization\", null]]");
		assertThat(plainAfter.get("response_headers_json"))
			.isEqualTo("[[\"Content-Type\", null], [\"Set-Cookie\", null]]");
		assertThat(plainAfter.get("request_body_preview")).isEqualTo(new byte[0]);
		assertThat(plainAfter.get("response_body_preview")).isEqualTo(new byte[0]);
		assertThat(plainAfter.get("wiped_at")).isNotNull();
		assertThat(plainBefore.get("wiped_at")).isNull();
		// Everything but the previews, the headers and wiped_at is as it was.
		for (String column : List.of("id", "channel_request_id", "type", "request_method", "request_path",
				"request_query", "sink_url", "request_body_hash", "request_body_size", "response_status",
				"response_body_hash", "response_body_size", "latency_ms", "ttfb_ms", "error_message", "inserted_at")) {
			assertThat(plainAfter.get(column)).as(column).isEqualTo(plainBefore.get(column));
		}
		assertThat(plainBefore.get("request_body_size")).isEqualTo(5000L);
		assertThat(this.recorded.request(plain)).get()
			.satisfies((row) -> assertThat(row).containsEntry("state", "success"));
		// A pair stored as Base64 keeps its form: the name and the marker stay, the value
		// goes.
		Map<String, Object> nulAfter = eventRow(nulEvent);
		assertThat(nulAfter.get("request_headers_json"))
			.isEqualTo("[[\"Content-Type\", null], [\"WC1OdWw=\", null, \"base64\"], [\"Accept\", null]]");
		assertThat(nulAfter.get("response_headers_json"))
			.isEqualTo("[[\"X-Sink\", null], [\"U2V0LUNvb2tpZQ==\", null, \"base64\"]]");
		// What was never recorded stays null.
		Map<String, Object> unansweredAfter = eventRow(unansweredEvent);
		assertThat(unansweredAfter.get("request_headers_json")).isEqualTo("[]");
		assertThat(unansweredAfter.get("request_body_preview")).isEqualTo(new byte[0]);
		assertThat(unansweredAfter.get("response_headers_json")).isNull();
		assertThat(unansweredAfter.get("response_body_preview")).isNull();
		assertThat(unansweredAfter.get("wiped_at")).isNotNull();
		// A recent event is untouched: the same row version.
		assertThat(eventRow(recentEvent).get("version")).isEqualTo(recentBefore.get("version"));
		assertThat(recentBefore.get("wiped_at")).isNull();
		assertThat((byte[]) recentBefore.get("request_body_preview")).hasSize(5000);
		assertThat(count(WIPEABLE_EVENTS)).isZero();
	}

	@Test
	void aWipedEventIsNotWipedAgain() {
		UUID request = request("success", WIPEABLE);
		UUID event = event(request, WIPEABLE);
		RetentionStatements retention = retention(1000);
		retention.wipeExpired().block(Duration.ofSeconds(30));
		Map<String, Object> wiped = eventRow(event);

		retention.pass().block(Duration.ofSeconds(30));

		Map<String, Object> after = eventRow(event);
		assertThat(wiped.get("wiped_at")).isNotNull();
		assertThat(after.get("wiped_at")).isEqualTo(wiped.get("wiped_at"));
		// Not even rewritten with the same values: the row version is the same.
		assertThat(after.get("version")).isEqualTo(wiped.get("version"));
	}

	@Test
	void severalInstancesAtOnceDeleteAndWipeEveryRowExactlyOnce() {
		int rows = 400;
		bulk(rows, EXPIRED);
		bulk(rows, WIPEABLE);
		List<RetentionStatements> instances = List.of(retention(10), retention(10), retention(10));
		long expired = count(EXPIRED_REQUESTS);

		long deleted = Flux.fromIterable(instances)
			.flatMap(RetentionStatements::deleteExpired)
			.reduce(0L, Long::sum)
			.block(Duration.ofSeconds(60));

		assertThat(expired).isGreaterThanOrEqualTo(rows);
		assertThat(deleted).isEqualTo(expired);
		assertThat(count(EXPIRED_REQUESTS)).isZero();
		long wipeable = count(WIPEABLE_EVENTS);

		long wiped = Flux.fromIterable(instances)
			.flatMap(RetentionStatements::wipeExpired)
			.reduce(0L, Long::sum)
			.block(Duration.ofSeconds(60));

		assertThat(wipeable).isGreaterThanOrEqualTo(rows);
		assertThat(wiped).isEqualTo(wipeable);
		assertThat(count(WIPEABLE_EVENTS)).isZero();
		assertThat(count("""
				SELECT count(*) FROM channel_events e JOIN channel_requests r ON r.id = e.channel_request_id
				WHERE r.channel_id = ? AND (e.wiped_at IS NULL OR length(e.request_body_preview) > 0)""",
				CHANNEL + "-bulk"))
			.isZero();
		assertThat(count("SELECT count(*) FROM channel_requests WHERE channel_id = ?", CHANNEL + "-bulk"))
			.isEqualTo(rows);
	}

	@Test
	void aPassSkipsTheRowsAnotherTransactionHoldsInsteadOfWaitingForThem() throws SQLException {
		UUID held = request("success", EXPIRED);
		UUID heldForWipe = request("success", WIPEABLE);
		UUID heldEvent = event(heldForWipe, WIPEABLE);
		UUID free = request("success", EXPIRED);
		UUID freeForWipe = request("success", WIPEABLE);
		UUID freeEvent = event(freeForWipe, WIPEABLE);
		TestDatabase db = TestDatabase.get();
		try (Connection other = DriverManager.getConnection(db.jdbcUrl(), db.username(), db.password())) {
			other.setAutoCommit(false);
			try (Statement statement = other.createStatement()) {
				statement.execute("SELECT 1 FROM channel_requests WHERE id = '" + held + "' FOR UPDATE");
				statement.execute("SELECT 1 FROM channel_events WHERE id = '" + heldEvent + "' FOR UPDATE");
			}

			RetentionStatements.Pass pass = retention(1000).pass().block(Duration.ofSeconds(5));

			assertThat(pass).isNotNull();
			assertThat(this.recorded.request(free)).isEmpty();
			assertThat(this.recorded.request(held)).isPresent();
			assertThat(eventRow(freeEvent).get("wiped_at")).isNotNull();
			assertThat(eventRow(heldEvent).get("wiped_at")).isNull();
			other.rollback();
		}
		retention(1000).pass().block(Duration.ofSeconds(5));
		assertThat(this.recorded.request(held)).isEmpty();
		assertThat(eventRow(heldEvent).get("wiped_at")).isNotNull();
	}

	@Test
	void outcomeWritesRacingRetentionCloseEveryRequestAndNothingDeadlocks() {
		// Old requests still pending: retention must leave each alone until its outcome
		// closes it.
		int rows = 300;
		List<UUID> ids = IntStream.range(0, rows).mapToObj((i) -> pendingOutcome()).toList();
		List<List<UUID>> batches = new ArrayList<>();
		for (int i = 0; i < rows; i += 10) {
			batches.add(ids.subList(i, i + 10));
		}
		RetentionStatements first = retention(5);
		RetentionStatements second = retention(5);

		CompletableFuture<Long> closed = Flux.fromIterable(batches)
			.concatMap((batch) -> this.outcomes.write(batch).delayElement(Duration.ofMillis(2)))
			.reduce(0L, Long::sum)
			.toFuture();
		CompletableFuture<Long> deleted = Flux.merge(retentionUntil(first, closed), retentionUntil(second, closed))
			.reduce(0L, Long::sum)
			.toFuture();

		assertThat(closed.join()).isEqualTo(rows);
		long deletedWhileWriting = deleted.join();
		long deletedAfter = first.deleteExpired().block(Duration.ofSeconds(30));
		assertThat(deletedWhileWriting + deletedAfter).isGreaterThanOrEqualTo(rows);
		assertThat(count("SELECT count(*) FROM channel_requests WHERE id = ANY(?)", (Object) ids.toArray(UUID[]::new)))
			.isZero();
	}

	@Test
	void aFailedPassIsLoggedInOneLineCountedAndTheNextOneTriesAgain(CapturedOutput output) {
		UUID request = request("success", EXPIRED);
		this.recorded.jdbc().sql("CREATE SEQUENCE IF NOT EXISTS test_retention_delete_attempts").update();
		this.recorded.jdbc().sql("ALTER SEQUENCE test_retention_delete_attempts RESTART WITH 1").update();
		this.recorded.jdbc().sql("""
				CREATE OR REPLACE FUNCTION test_retention_failing_delete() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
				    IF nextval('test_retention_delete_attempts') <= 2 THEN
				        RAISE EXCEPTION 'simulated failure of a retention delete';
				    END IF;
				    RETURN OLD;
				END $$""").update();
		this.recorded.jdbc().sql("""
				CREATE OR REPLACE TRIGGER retention_failing_delete BEFORE DELETE ON channel_requests FOR EACH ROW
				WHEN (OLD.channel_id = 'retention') EXECUTE FUNCTION test_retention_failing_delete()""").update();
		RetentionLifecycle lifecycle = lifecycle(retention(1000, Duration.ofMillis(200)));

		lifecycle.start();
		try {
			Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> this.recorded.request(request).isEmpty());
			assertThat(lifecycle.failures()).isEqualTo(2);
			assertThat(lifecycle.isRunning()).isTrue();
			assertThat(output.getOut().lines().filter((line) -> line.contains("Retention pass failed"))).hasSize(2)
				.allSatisfy((line) -> assertThat(line).contains("will retry in 200ms: ")
					.contains("simulated failure of a retention delete")
					.hasSizeLessThan(600));
		}
		finally {
			lifecycle.stop();
		}
		assertThat(lifecycle.isRunning()).isFalse();
		// Stopped: no pass runs any more.
		UUID later = request("success", EXPIRED);
		Awaitility.await()
			.during(Duration.ofMillis(800))
			.atMost(Duration.ofSeconds(2))
			.until(() -> this.recorded.request(later).isPresent());
	}

	@Test
	void stoppingLetsTheRunningBatchCommitAndStartsNoOther() {
		UUID slow = request("success", EXPIRED);
		UUID next = request("success", "3999 days");
		this.recorded.jdbc().sql("""
				CREATE OR REPLACE FUNCTION test_retention_slow_delete() RETURNS trigger LANGUAGE plpgsql AS
				$$ BEGIN PERFORM pg_sleep(1); RETURN OLD; END $$""").update();
		this.recorded.jdbc().sql("""
				CREATE OR REPLACE TRIGGER retention_slow_delete BEFORE DELETE ON channel_requests FOR EACH ROW
				WHEN (OLD.id = '%s') EXECUTE FUNCTION test_retention_slow_delete()""".formatted(slow)).update();
		// A batch of one: the slow row, then, were it not stopped, the next.
		RetentionLifecycle lifecycle = lifecycle(retention(1, Duration.ofMillis(50)));
		lifecycle.start();
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> count("""
				SELECT count(*) FROM pg_stat_activity
				WHERE state = 'active' AND pid <> pg_backend_pid()
				    AND query LIKE '%DELETE FROM channel_requests r USING expired%'""") > 0);

		lifecycle.stop();

		assertThat(lifecycle.isRunning()).isFalse();
		assertThat(this.recorded.request(slow)).isEmpty();
		Awaitility.await()
			.during(Duration.ofMillis(500))
			.atMost(Duration.ofSeconds(2))
			.until(() -> this.recorded.request(next).isPresent());
	}

	@Test
	void retentionIsOffUnlessConfiguredAndItsMetersAreRegistered() {
		assertThat(this.sharedRetention.isRunning()).isFalse();
		assertThat(this.meterRegistry.find("channels.retention.deleted").functionCounter()).isNotNull();
		assertThat(this.meterRegistry.find("channels.retention.wiped").functionCounter()).isNotNull();
		assertThat(this.meterRegistry.find("channels.retention.failures").functionCounter()).isNotNull();
	}

	// Deletes, pass after pass, until the outcome writes are done.
	private Flux<Long> retentionUntil(RetentionStatements retention, CompletableFuture<Long> writes) {
		return Mono.defer(retention::deleteExpired).repeat(() -> !writes.isDone());
	}

	private RetentionStatements retention(int batchSize) {
		return retention(batchSize, Duration.ofMinutes(1));
	}

	private RetentionStatements retention(int batchSize, Duration interval) {
		return new RetentionStatements(this.database,
				new ChannelsProperties.Retention(MAX_AGE, WIPE_AFTER, interval, batchSize, Duration.ZERO),
				Schedulers.parallel(), Duration.ofSeconds(30));
	}

	private static RetentionLifecycle lifecycle(RetentionStatements retention) {
		return new RetentionLifecycle(retention, Schedulers.parallel(), Duration.ofSeconds(5));
	}

	// A closed request has its row in channel_outcomes, as the statement that closes one
	// writes it.
	private UUID request(String state, String age) {
		UUID id = UUID.randomUUID();
		this.recorded.jdbc()
			.sql("""
					WITH inserted AS (
					    INSERT INTO channel_requests (id, channel_id, state, started_at, completed_at)
					    VALUES (?, ?, ?, now() - ?::interval, now() - ?::interval)
					    RETURNING id, channel_id, started_at, state)
					INSERT INTO channel_outcomes (channel_id, started_at, state, request_id)
					SELECT channel_id, started_at, state, id FROM inserted WHERE state <> 'pending'""")
			.params(id, CHANNEL, state, age, age)
			.update();
		return id;
	}

	private long outcomesOf(UUID request) {
		return this.recorded.outcomes(request).size();
	}

	private UUID event(UUID request, String age) {
		return eventWithHeaders(request, age,
				"[[\"Content-Type\", \"text/plain\"], [\"X-Trace\", \"a\"], [\"X-Trace\", \"b\"], "
						+ "[\"Authorization\", \"[REDACTED]\"]]",
				"[[\"Content-Type\", \"text/plain\"], [\"Set-Cookie\", \"[REDACTED]\"]]");
	}

	private UUID eventWithHeaders(UUID request, String age, String requestHeaders, String responseHeaders) {
		UUID id = UUID.randomUUID();
		byte[] body = TestBodies.bytes(5000);
		byte[] answer = "the answer".getBytes(StandardCharsets.UTF_8);
		this.recorded.jdbc()
			.sql("""
					INSERT INTO channel_events (id, channel_request_id, type, request_method, request_path, request_query,
					    sink_url, request_headers, request_body_preview, request_body_hash, request_body_size,
					    response_status, response_headers, response_body_preview, response_body_hash, response_body_size,
					    latency_ms, ttfb_ms, inserted_at)
					VALUES (?, ?, 'sink_response', 'POST', '/channels/retention/x', 'q=1', 'http://sink/x', ?::jsonb, ?, ?,
					    5000, 200, ?::jsonb, ?, ?, 10, 42, 7, now() - ?::interval)""")
			.params(id, request, requestHeaders, body, TestBodies.sha256(body), responseHeaders, answer,
					TestBodies.sha256(answer), age)
			.update();
		return id;
	}

	// The event of a request whose sink never answered: no response at all.
	private UUID errorEvent(UUID request, String age) {
		UUID id = UUID.randomUUID();
		this.recorded.jdbc()
			.sql("""
					INSERT INTO channel_events (id, channel_request_id, type, request_method, request_path,
					    request_headers, request_body_preview, request_body_hash, request_body_size, latency_ms,
					    error_message, inserted_at)
					VALUES (?, ?, 'error', 'GET', '/channels/retention/y', '[]'::jsonb, ''::bytea, ?, 0, 5,
					    'connection refused', now() - ?::interval)""")
			.params(id, request, TestBodies.sha256(new byte[0]), age)
			.update();
		return id;
	}

	// Requests with their events, in one statement each.
	private void bulk(int rows, String age) {
		this.recorded.jdbc().sql("""
				WITH inserted AS (
				    INSERT INTO channel_requests (id, channel_id, state, started_at)
				    SELECT gen_random_uuid(), ?, 'success', now() - ?::interval FROM generate_series(1, ?)
				    RETURNING id)
				INSERT INTO channel_events (id, channel_request_id, type, request_method, request_path, request_headers,
				    request_body_preview, request_body_hash, request_body_size, latency_ms, inserted_at)
				SELECT gen_random_uuid(), id, 'sink_response', 'GET', '/x', '[["A", "b"]]', '\\x0102'::bytea,
				    repeat('0', 64), 2, 1, now() - ?::interval
				FROM inserted""").params(CHANNEL + "-bulk", age, rows, age).update();
	}

	// A new pending row, EXPIRED old, that this instance owns, with its outcome ready.
	private UUID pendingOutcome() {
		UUID id = UUID.randomUUID();
		this.recorded.jdbc()
			.sql("INSERT INTO channel_requests (id, channel_id, started_at, owner) "
					+ "VALUES (?, ?, now() - ?::interval, ?)")
			.params(id, CHANNEL, EXPIRED, this.lease.id())
			.update();
		this.outcomes.delivered(id, CHANNEL);
		return id;
	}

	private Map<String, Object> eventRow(UUID id) {
		return this.recorded.jdbc()
			.sql("""
					SELECT *, request_headers::text AS request_headers_json, response_headers::text AS response_headers_json,
					    xmin::text AS version
					FROM channel_events WHERE id = ?""")
			.param(id)
			.query()
			.singleRow();
	}

	private long eventsOf(UUID request) {
		return count("SELECT count(*) FROM channel_events WHERE channel_request_id = ?", request);
	}

	private long count(String sql, Object... params) {
		return this.recorded.jdbc().sql(sql).params(params).query(Long.class).single();
	}

}
