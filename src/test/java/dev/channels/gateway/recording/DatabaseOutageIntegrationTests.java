package dev.channels.gateway.recording;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.channels.gateway.ChannelsApplication;
import dev.channels.gateway.support.GatewayClient;
import dev.channels.gateway.support.GatewayClient.Response;
import dev.channels.gateway.support.RecordedRequests;
import dev.channels.gateway.support.RecordedRequests.Recorded;
import dev.channels.gateway.support.RestartableDatabase;
import dev.channels.gateway.support.TestChannels;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway against a PostgreSQL of its own that the tests stop and start again, and
 * slow down, while requests go through.
 */
@SpringBootTest(classes = ChannelsApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class DatabaseOutageIntegrationTests {

	private static final RestartableDatabase DATABASE = RestartableDatabase.start();

	private static final int QUEUE_SIZE = 2;

	@LocalServerPort
	private int port;

	@LocalManagementPort
	private int managementPort;

	@Autowired
	private RecordingHealthIndicator health;

	private final RecordedRequests recorded = new RecordedRequests(DATABASE.jdbcUrl(), "postgres", "postgres");

	private GatewayClient client;

	private GatewayClient management;

	@DynamicPropertySource
	static void settings(DynamicPropertyRegistry registry) {
		DATABASE.properties().forEach((name, value) -> registry.add(name, () -> value));
		String route = "spring.cloud.gateway.server.webflux.routes[0].";
		registry.add(route + "id", () -> "echo");
		registry.add(route + "uri", TestChannels.SINK::url);
		registry.add(route + "predicates[0]", () -> "Path=/channels/echo/**");
		registry.add(route + "filters[0]", () -> "StripPrefix=2");
		registry.add("server.port", () -> 0);
		registry.add("management.server.port", () -> 0);
		registry.add("spring.r2dbc.pool.max-acquire-time", () -> "1s");
		registry.add("spring.r2dbc.pool.max-create-connection-time", () -> "1s");
		registry.add("channels.persistence.insert-timeout", () -> "1s");
		registry.add("channels.persistence.concurrency", () -> 1);
		registry.add("channels.persistence.queue-size", () -> QUEUE_SIZE);
		// With a backlog of two, outcomes that linger for company would fill it by
		// themselves.
		registry.add("channels.persistence.outcome-linger", () -> "0s");
		// About ten seconds of retries: longer than a restart of the database takes.
		registry.add("channels.persistence.retry.first-backoff", () -> "100ms");
		registry.add("channels.persistence.retry.max-backoff", () -> "500ms");
		registry.add("channels.persistence.retry.max-retries", () -> 20);
	}

	@AfterAll
	static void stopDatabase() {
		DATABASE.close();
	}

	@BeforeEach
	void setUp() {
		this.client = new GatewayClient(this.port);
		this.management = new GatewayClient(this.managementPort);
	}

	@AfterEach
	void databaseBack() {
		DATABASE.restart();
		// Each test starts with an empty backlog: with a backlog of two, an outcome still
		// being written by the test before would refuse this one's requests.
		Awaitility.await()
			.atMost(Duration.ofSeconds(30))
			.until(() -> this.health.health().getDetails().get("backlog").equals(0));
	}

	@Test
	void whileTheDatabaseIsDownRequestsAreRefusedFastAndTheGatewayRecoversByItself() {
		// Up before the outage (a test before this one may have restarted the database:
		// the pool's connections to the old server are found dead and replaced first).
		Awaitility.await()
			.atMost(Duration.ofSeconds(10))
			.pollInterval(Duration.ofMillis(200))
			.untilAsserted(() -> assertThat(this.client.get("/channels/echo/echo/before").status()).isEqualTo(200));

		DATABASE.stop();

		for (int i = 0; i < 5; i++) {
			String path = "/echo/while-down-" + UUID.randomUUID();
			long started = System.nanoTime();
			Response response = this.client.send("POST", "/channels/echo" + path, new byte[100]);
			Duration waited = Duration.ofNanos(System.nanoTime() - started);
			assertThat(response.status()).isEqualTo(503);
			assertThat(response.text()).contains("recording_unavailable");
			// Bounded by the insert timeout (1s), whatever the pool and the driver do.
			assertThat(waited).isLessThan(Duration.ofMillis(1500));
			assertThat(TestChannels.SINK.received()).noneMatch((received) -> received.uri().equals(path));
		}
		Awaitility.await()
			.atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(this.management.get("/actuator/health/readiness").status()).isEqualTo(503));
		assertThat(this.management.get("/actuator/health/liveness").status()).isEqualTo(200);

		DATABASE.restart();

		// Recovered: requests are forwarded and recorded again. A pooled connection to
		// the
		// old server that the pool has not yet seen close can still refuse one request.
		Awaitility.await()
			.atMost(Duration.ofSeconds(20))
			.pollInterval(Duration.ofMillis(200))
			.untilAsserted(() -> assertThat(this.client.get("/channels/echo/echo/after").status()).isEqualTo(200));
		Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
			Response after = this.client.get("/channels/echo/echo/after-recovery");
			assertThat(after.status()).isEqualTo(200);
			assertThat(this.recorded.awaitOutcome(after.requestId()).state()).isEqualTo("success");
		});
		Awaitility.await()
			.atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(this.management.get("/actuator/health/readiness").status()).isEqualTo(200));
	}

	@Test
	void anOutcomeWhoseWriteMeetsTheDatabaseDownIsWrittenOnceItIsBack() throws Exception {
		long retriesBefore = this.health.health().getDetails().get("writeRetries") instanceof Long value ? value : 0;
		String path = "/slow/1500?outage-" + UUID.randomUUID();
		CompletableFuture<Response> inFlight = CompletableFuture
			.supplyAsync(() -> this.client.get("/channels/echo" + path));
		Awaitility.await()
			.atMost(Duration.ofSeconds(5))
			.until(() -> TestChannels.SINK.received().stream().anyMatch((received) -> received.uri().equals(path)));

		DATABASE.stop();
		Response response = inFlight.get();
		// The outcome is ready now and cannot be written: it waits, retrying.
		Thread.sleep(1000);
		DATABASE.restart();

		assertThat(response.status()).isEqualTo(200);
		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		assertThat(outcome.state()).isEqualTo("success");
		assertThat(outcome.event()).containsEntry("type", "sink_response");
		assertThat((Long) this.health.health().getDetails().get("writeRetries")).isGreaterThan(retriesBefore);
	}

	@Test
	void whenTheBacklogIsFullNewRequestsAreRefusedAndReadinessIsDownUntilItDrains() {
		this.recorded.jdbc().sql("""
				CREATE OR REPLACE FUNCTION test_slow_outcome() RETURNS trigger LANGUAGE plpgsql AS
				$$ BEGIN PERFORM pg_sleep(1); RETURN NEW; END $$""").update();
		this.recorded.jdbc()
			.sql("""
					CREATE OR REPLACE TRIGGER slow_outcome BEFORE INSERT ON channel_events FOR EACH ROW
					WHEN (NEW.request_path LIKE '/channels/echo/echo/slow-outcome%') EXECUTE FUNCTION test_slow_outcome()""")
			.update();
		// One write at a time, a second each: the backlog fills faster than it drains.
		List<Response> filling = IntStream.range(0, QUEUE_SIZE + 2)
			.mapToObj((i) -> CompletableFuture
				.supplyAsync(() -> this.client.get("/channels/echo/echo/slow-outcome-" + i)))
			.toList()
			.stream()
			.map(CompletableFuture::join)
			.toList();
		assertThat(filling).allSatisfy((response) -> assertThat(response.status()).isEqualTo(200));

		String path = "/echo/refused-" + UUID.randomUUID();
		Response refused = this.client.get("/channels/echo" + path);

		assertThat(refused.status()).isEqualTo(503);
		assertThat(refused.text()).contains("recording_backlog_full");
		assertThat(TestChannels.SINK.received()).noneMatch((received) -> received.uri().equals(path));
		Response readiness = this.management.get("/actuator/health/readiness");
		assertThat(readiness.status()).isEqualTo(503);
		JsonNode recording = JsonMapper.builder().build().readTree(readiness.text()).get("components").get("recording");
		assertThat(recording.get("status").asString()).isEqualTo("DOWN");
		assertThat(recording.get("details").get("backlog").asInt()).isGreaterThanOrEqualTo(QUEUE_SIZE);
		assertThat(recording.get("details").get("capacity").asInt()).isEqualTo(QUEUE_SIZE);
		assertThat(this.management.get("/actuator/health/liveness").status()).isEqualTo(200);

		Awaitility.await()
			.atMost(Duration.ofSeconds(15))
			.pollInterval(Duration.ofMillis(100))
			.untilAsserted(() -> assertThat(this.management.get("/actuator/health/readiness").status()).isEqualTo(200));
		assertThat(this.client.get("/channels/echo/echo/after-drain").status()).isEqualTo(200);
		for (Response response : filling) {
			assertThat(this.recorded.awaitOutcome(response.requestId()).state()).isEqualTo("success");
		}
		this.recorded.jdbc().sql("DROP TRIGGER slow_outcome ON channel_events").update();
	}

}
