package dev.channels.gateway.recording;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.r2dbc.spi.ConnectionFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

import dev.channels.gateway.ChannelsProperties;
import dev.channels.gateway.channel.ChannelPolicies;
import dev.channels.gateway.channel.Redaction;
import dev.channels.gateway.observer.Admission;
import dev.channels.gateway.observer.BodySummary;
import dev.channels.gateway.observer.ExchangeOutcome;
import dev.channels.gateway.observer.Header;
import dev.channels.gateway.observer.RequestStart;
import dev.channels.gateway.observer.ResponseStart;
import dev.channels.gateway.recovery.InstanceLease;
import dev.channels.gateway.support.GatewayClient;
import dev.channels.gateway.support.GatewayClient.Response;
import dev.channels.gateway.support.GatewayIntegrationTest;
import dev.channels.gateway.support.RecordedRequests;
import dev.channels.gateway.support.RecordedRequests.Recorded;
import dev.channels.gateway.support.TestBodies;
import dev.channels.gateway.support.TestChannels;
import dev.channels.gateway.support.TestDatabase;
import dev.channels.gateway.support.TestRoutes;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What keeps the record whole when writing it goes wrong: slow inserts, outcome writes
 * that fail and are retried, and requests left pending by instances that are gone.
 * Failures are real database errors, raised by triggers on the real tables.
 */
class ReliabilityIntegrationTests extends GatewayIntegrationTest {

	private final RecordedRequests recorded = new RecordedRequests(TestDatabase.get());

	@LocalServerPort
	private int port;

	@Autowired
	private DatabaseClient database;

	@Autowired
	private InstanceLease lease;

	@Autowired
	private ConnectionFactory connectionFactory;

	@Autowired
	private OutcomeWriter writer;

	@Autowired
	private PersistenceFailures failures;

	private GatewayClient client;

	@BeforeEach
	void setUp() {
		this.client = new GatewayClient(this.port);
		this.recorded.jdbc().sql("CREATE SEQUENCE IF NOT EXISTS test_retried_attempts").update();
		this.recorded.jdbc().sql("CREATE SEQUENCE IF NOT EXISTS test_never_written_attempts").update();
		this.recorded.jdbc().sql("CREATE SEQUENCE IF NOT EXISTS test_transient_batch_attempts").update();
		// 40001 (serialization_failure) is a failure that passes when tried again.
		this.recorded.jdbc().sql("""
				CREATE OR REPLACE FUNCTION test_failing_outcomes() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
				    IF NEW.type = 'sink_response' AND NEW.request_path LIKE '/channels/echo/echo/retried-outcome%' THEN
				        IF nextval('test_retried_attempts') % 3 <> 0 THEN
				            RAISE EXCEPTION 'simulated serialization failure' USING ERRCODE = '40001';
				        END IF;
				    END IF;
				    IF NEW.type = 'sink_response' AND NEW.request_path LIKE '/channels/batch/refused%' THEN
				        RAISE EXCEPTION 'simulated refusal';
				    END IF;
				    IF NEW.type = 'sink_response' AND NEW.request_path LIKE '/channels/batch/transient%' THEN
				        PERFORM nextval('test_transient_batch_attempts');
				        RAISE EXCEPTION 'simulated serialization failure' USING ERRCODE = '40001';
				    END IF;
				    IF NEW.type = 'sink_response' AND NEW.request_path LIKE '/channels/echo/echo/never-written%' THEN
				        PERFORM nextval('test_never_written_attempts');
				        RAISE EXCEPTION 'simulated serialization failure' USING ERRCODE = '40001';
				    END IF;
				    RETURN NEW;
				END $$""").update();
		this.recorded.jdbc().sql("""
				CREATE OR REPLACE TRIGGER failing_outcomes BEFORE INSERT ON channel_events FOR EACH ROW
				EXECUTE FUNCTION test_failing_outcomes()""").update();
		this.recorded.jdbc().sql("""
				CREATE OR REPLACE FUNCTION test_slow_insert() RETURNS trigger LANGUAGE plpgsql AS
				$$ BEGIN PERFORM pg_sleep(3); RETURN NEW; END $$""").update();
		this.recorded.jdbc().sql("""
				CREATE OR REPLACE TRIGGER slow_insert BEFORE INSERT ON channel_requests FOR EACH ROW
				WHEN (NEW.channel_id = 'sluggish') EXECUTE FUNCTION test_slow_insert()""").update();
	}

	@Test
	void anOutcomeWriteThatFailsForAPassingReasonIsRetriedUntilItLands() {
		this.recorded.jdbc().sql("ALTER SEQUENCE test_retried_attempts RESTART WITH 1").update();
		byte[] body = TestBodies.bytes(3000);

		Response response = this.client.send("POST", "/channels/echo/echo/retried-outcome", body);

		assertThat(response.status()).isEqualTo(200);
		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		assertThat(outcome.state()).isEqualTo("success");
		assertThat(outcome.event()).containsEntry("type", "sink_response")
			.containsEntry("request_body_hash", TestBodies.sha256(body));
		// Two failed attempts, then the third landed.
		assertThat(lastValue("test_retried_attempts")).isEqualTo(3);
	}

	@Test
	void anOutcomeWriteThatKeepsFailingIsMarkedErrorAfterTheLastRetry() {
		long before = this.recorded.jdbc()
			.sql("SELECT nextval('test_never_written_attempts')")
			.query(Long.class)
			.single();
		byte[] body = TestBodies.bytes(100);

		Response response = this.client.send("POST", "/channels/echo/echo/never-written", body);

		assertThat(response.status()).isEqualTo(200);
		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		assertThat(outcome.state()).isEqualTo("error");
		assertThat(outcome.event()).containsEntry("type", "error")
			.containsEntry("request_body_hash", TestBodies.sha256(body))
			.containsEntry("request_body_size", 100L);
		assertThat((String) outcome.event().get("error_message")).contains("simulated serialization failure");
		assertThat(lastValue("test_never_written_attempts") - before).isEqualTo(TestChannels.MAX_RETRIES + 1);
	}

	@Test
	void aBatchOfOutcomesIsWrittenInOneStatementWithEveryKindOfValue() {
		OutcomeRow delivered = ownedOutcome("/channels/batch/delivered", ExchangeOutcome.Kind.DELIVERED, 201);
		OutcomeRow sinkFailed = ownedOutcome("/channels/batch/sink-failed", ExchangeOutcome.Kind.SINK_FAILED, null);
		OutcomeRow timedOut = ownedOutcome("/channels/batch/timed-out", ExchangeOutcome.Kind.TIMED_OUT, null);

		this.writer.write(List.of(delivered, sinkFailed, timedOut)).block(Duration.ofSeconds(10));

		assertThat(this.recorded.awaitOutcome(delivered.requestId()).event()).containsEntry("type", "sink_response")
			.containsEntry("response_status", 201)
			.containsEntry("request_query", "a=1")
			.containsEntry("request_body_hash", delivered.requestBody().sha256());
		assertThat(this.recorded.awaitOutcome(sinkFailed.requestId()).state()).isEqualTo("error");
		assertThat(this.recorded.awaitOutcome(sinkFailed.requestId()).event()).containsEntry("response_status", null)
			.containsEntry("error_message", "broken");
		assertThat(this.recorded.awaitOutcome(timedOut.requestId()).state()).isEqualTo("timeout");
	}

	@Test
	void anOutcomeRefusedInABatchCostsTheOthersNothing() {
		OutcomeRow before = ownedOutcome("/channels/batch/fine-1", ExchangeOutcome.Kind.DELIVERED, 200);
		OutcomeRow refused = ownedOutcome("/channels/batch/refused", ExchangeOutcome.Kind.DELIVERED, 200);
		OutcomeRow after = ownedOutcome("/channels/batch/fine-2", ExchangeOutcome.Kind.DELIVERED, 200);

		this.writer.write(List.of(before, refused, after)).block(Duration.ofSeconds(10));

		for (OutcomeRow fine : List.of(before, after)) {
			Recorded outcome = this.recorded.awaitOutcome(fine.requestId());
			assertThat(outcome.state()).isEqualTo("success");
			assertThat(outcome.event()).containsEntry("type", "sink_response");
		}
		Recorded outcome = this.recorded.awaitOutcome(refused.requestId());
		assertThat(outcome.state()).isEqualTo("error");
		assertThat(outcome.event()).containsEntry("type", "error")
			.containsEntry("request_body_hash", refused.requestBody().sha256());
		assertThat((String) outcome.event().get("error_message")).contains("simulated refusal");
	}

	@Test
	void aBatchStillFailingForAPassingReasonAfterItsRetriesFailsOnceUnsplitAndItsRowsStayPending() {
		long before = this.recorded.jdbc()
			.sql("SELECT nextval('test_transient_batch_attempts')")
			.query(Long.class)
			.single();
		OutcomeRow first = ownedOutcome("/channels/batch/transient-1", ExchangeOutcome.Kind.DELIVERED, 200);
		OutcomeRow second = ownedOutcome("/channels/batch/transient-2", ExchangeOutcome.Kind.DELIVERED, 200);
		long failuresBefore = this.failures.writeFailures();

		this.writer.write(List.of(first, second)).block(Duration.ofSeconds(30));

		// One statement per attempt, for the batch: no row-by-row writes and no error
		// fallback, each with retries of its own.
		assertThat(lastValue("test_transient_batch_attempts") - before).isEqualTo(TestChannels.MAX_RETRIES + 1);
		assertThat(this.failures.writeFailures() - failuresBefore).isEqualTo(2);
		for (OutcomeRow row : List.of(first, second)) {
			assertThat(state(row.requestId())).isEqualTo("pending");
			assertThat(this.recorded.events(row.requestId())).isEmpty();
			this.recorded.jdbc().sql("DELETE FROM channel_requests WHERE id = ?").param(row.requestId()).update();
		}
	}

	@Test
	void aRequestWhoseRowIsNotWrittenInTimeIsAnswered503AndNotForwardedAndItsLateRowIsClosed() {
		String path = "/echo/slow-insert-" + UUID.randomUUID();
		long started = System.nanoTime();

		Response response = this.client.get("/channels/sluggish" + path);

		Duration waited = Duration.ofNanos(System.nanoTime() - started);
		assertThat(response.status()).isEqualTo(503);
		assertThat(response.text()).contains("recording_unavailable");
		// The insert timeout (2s) answered, not the insert (3s).
		assertThat(waited).isBetween(Duration.ofMillis(1900), Duration.ofMillis(2900));
		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		assertThat(outcome.state()).isEqualTo("error");
		assertThat(outcome.event()).containsEntry("type", "error")
			.containsEntry("error_message", OutcomeRow.NOT_FORWARDED)
			.containsEntry("sink_url", null);
		assertThat(TestChannels.SINK.received()).noneMatch((received) -> received.uri().equals(path));
	}

	@Test
	void aFullBacklogRefusesNewRequestsByDefaultAndAdmitsThemWhenSetToDropCountingWhatItDrops() {
		RequestStart refusedRequest = requestStart();
		RequestStart admittedRequest = requestStart();
		OutcomeQueue droppingQueue = fullBacklog(ChannelsProperties.WhenFull.DROP);
		RecordingObserver rejecting = observer(fullBacklog(ChannelsProperties.WhenFull.REJECT));
		RecordingObserver dropping = observer(droppingQueue);

		Admission<RecordingState> refused = rejecting.requestStarted(refusedRequest).block(Duration.ofSeconds(5));
		Admission<RecordingState> admitted = dropping.requestStarted(admittedRequest).block(Duration.ofSeconds(5));

		assertThat(refused.rejected()).isTrue();
		assertThat(refused.rejection().status().value()).isEqualTo(503);
		assertThat(new String(refused.rejection().body())).contains("recording_backlog_full");
		assertThat(this.recorded.request(refusedRequest.id())).isEmpty();
		assertThat(admitted.rejected()).isFalse();
		assertThat(state(admittedRequest.id())).isEqualTo("pending");

		BodySummary empty = new BodySummary(0, TestBodies.sha256(new byte[0]), new byte[0]);
		dropping.responseFinished(admitted.state(), new ExchangeOutcome(ExchangeOutcome.Kind.DELIVERED, null,
				URI.create("http://sink/x"), empty, empty, Duration.ofMillis(3), 200));

		assertThat(dropping.inFlight()).isZero();
		assertThat(droppingQueue.dropped()).isEqualTo(1);
		// Dropped: the row stays pending until its instance stops (this one's own, here).
		assertThat(state(admittedRequest.id())).isEqualTo("pending");
		this.recorded.jdbc().sql("DELETE FROM channel_requests WHERE id = ?").param(admittedRequest.id()).update();
	}

	// A backlog of one whose one outcome never finishes writing.
	private static OutcomeQueue fullBacklog(ChannelsProperties.WhenFull whenFull) {
		OutcomeQueue queue = new OutcomeQueue((row) -> Mono.never(), Schedulers.immediate(), 1, 1, Duration.ZERO, 1,
				whenFull);
		BodySummary empty = new BodySummary(0, TestBodies.sha256(new byte[0]), new byte[0]);
		queue.submit(OutcomeRow.of(RecordingState.written(requestStart(), TestRoutes.UNREDACTED),
				new ExchangeOutcome(ExchangeOutcome.Kind.CLIENT_ABORTED, "gone", null, empty, null, Duration.ZERO,
						null),
				UUID.randomUUID(), Instant.now()));
		assertThat(queue.full()).isTrue();
		return queue;
	}

	private RecordingObserver observer(OutcomeQueue queue) {
		RecordingStatements records = new RecordingStatements(this.connectionFactory, this.connectionFactory,
				JsonMapper.builder().build(), this.lease.id());
		ChannelPolicies policies = new ChannelPolicies(1024, new Redaction(List.of(), List.of(), List.of()));
		ChannelSnapshots snapshots = new ChannelSnapshots(this.connectionFactory, Flux::empty, Flux::empty, List.of(),
				policies);
		return new RecordingObserver(new PendingInserts(records::insertPending, 1, 1, 100, Duration.ofSeconds(2)),
				queue, policies, snapshots, Duration.ofSeconds(2), new PersistenceFailures(),
				new RecordingMetrics(new SimpleMeterRegistry()));
	}

	// The outcome of a request whose pending row this instance owns.
	private OutcomeRow ownedOutcome(String path, ExchangeOutcome.Kind kind, Integer status) {
		RequestStart request = new RequestStart(UUID.randomUUID(), TestRoutes.route("batch"), "POST", path, "a=1",
				List.of(new Header("Content-Type", "text/plain")), "127.0.0.1", Instant.now(), null);
		this.recorded.jdbc()
			.sql("INSERT INTO channel_requests (id, channel_id, started_at, owner) VALUES (?, 'batch', now(), ?)")
			.params(request.id(), this.lease.id())
			.update();
		byte[] body = path.getBytes();
		BodySummary summary = new BodySummary(body.length, TestBodies.sha256(body), body);
		RecordingState state = RecordingState.written(request, TestRoutes.UNREDACTED);
		if (status != null) {
			state = state
				.withResponse(new ResponseStart(status, List.of(new Header("X-Sink", "yes")), Duration.ofMillis(2)));
		}
		ExchangeOutcome outcome = new ExchangeOutcome(kind, (kind == ExchangeOutcome.Kind.DELIVERED) ? null : "broken",
				URI.create("http://sink" + path), summary, (status != null) ? summary : null, Duration.ofMillis(5),
				status);
		return OutcomeRow.of(state, outcome, UUID.randomUUID(), Instant.now());
	}

	private static RequestStart requestStart() {
		return new RequestStart(UUID.randomUUID(), TestRoutes.route("backlog"), "GET", "/channels/backlog/x", null,
				List.of(), "127.0.0.1", Instant.now(), null);
	}

	private String state(UUID id) {
		return (String) this.recorded.request(id).orElseThrow().get("state");
	}

	private long lastValue(String sequence) {
		return this.recorded.jdbc().sql("SELECT last_value FROM " + sequence).query(Long.class).single();
	}

}
