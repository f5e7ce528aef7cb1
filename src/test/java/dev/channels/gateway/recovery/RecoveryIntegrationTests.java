package dev.channels.gateway.recovery;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.channels.gateway.support.GatewayClient;
import dev.channels.gateway.support.GatewayClient.Response;
import dev.channels.gateway.support.GatewayIntegrationTest;
import dev.channels.gateway.support.RecordedRequests;
import dev.channels.gateway.support.RecordedRequests.Recorded;
import dev.channels.gateway.support.TestChannels;
import dev.channels.gateway.support.TestDatabase;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.r2dbc.core.DatabaseClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Crash recovery: the requests that instances without a live lease left pending are
 * closed as {@code error}, once, whoever sweeps; a live instance's are left alone.
 */
class RecoveryIntegrationTests extends GatewayIntegrationTest {

	private final RecordedRequests recorded = new RecordedRequests(TestDatabase.get());

	@LocalServerPort
	private int port;

	@Autowired
	private DatabaseClient database;

	@Autowired
	private InstanceLease lease;

	@Test
	void pendingRequestsOfInstancesWithoutALiveLeaseAreClosedAsErrorAndOnlyThose() {
		String live = "live-" + UUID.randomUUID();
		String expired = "expired-" + UUID.randomUUID();
		String vanished = "vanished-" + UUID.randomUUID();
		this.recorded.jdbc()
			.sql("INSERT INTO channel_instances (id, expires_at) VALUES (?, now() + interval '1 hour'), "
					+ "(?, now() - interval '1 second')")
			.params(live, expired)
			.update();
		UUID ofLive = pendingRow(live);
		UUID ofExpired = pendingRow(expired);
		UUID ofVanished = pendingRow(vanished);
		UUID resolvedOfExpired = pendingRow(expired);
		this.recorded.jdbc()
			.sql("UPDATE channel_requests SET state = 'success' WHERE id = ?")
			.param(resolvedOfExpired)
			.update();

		// This instance sweeps every third of its lease.
		Awaitility.await().atMost(Duration.ofSeconds(TestChannels.LEASE_SECONDS * 3)).untilAsserted(() -> {
			assertThat(state(ofExpired)).isEqualTo("error");
			assertThat(state(ofVanished)).isEqualTo("error");
		});
		for (UUID swept : List.of(ofExpired, ofVanished)) {
			List<Map<String, Object>> events = this.recorded.events(swept);
			assertThat(events).singleElement().satisfies((event) -> {
				assertThat(event).containsEntry("type", "error");
				assertThat((String) event.get("error_message"))
					.startsWith("the gateway stopped before recording the outcome");
			});
		}
		assertThat(state(ofLive)).isEqualTo("pending");
		assertThat(this.recorded.events(ofLive)).isEmpty();
		assertThat(state(resolvedOfExpired)).isEqualTo("success");
		assertThat(this.recorded.events(resolvedOfExpired)).isEmpty();
		// The expired lease is forgotten; the live one and this instance's own are kept.
		assertThat(leases()).contains(live, this.lease.id()).doesNotContain(expired);
		this.recorded.jdbc().sql("DELETE FROM channel_instances WHERE id = ?").param(live).update();
	}

	@Test
	void aRequestInFlightIsNotSweptWhileItsInstanceHoldsItsLease() throws Exception {
		// Longer than a lease, so that several sweeps run while it is pending.
		long millis = TestChannels.LEASE_SECONDS * 1000L + 1500;

		Response response = new GatewayClient(this.port).get("/channels/echo/slow/" + millis);

		assertThat(response.status()).isEqualTo(200);
		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		assertThat(outcome.state()).isEqualTo("success");
		assertThat(outcome.event()).containsEntry("type", "sink_response");
		assertThat(outcome.request()).containsEntry("owner", this.lease.id());
	}

	@Test
	void severalSweepersAtOnceCloseEveryAbandonedRequestExactlyOnce() {
		String dead = "dead-" + UUID.randomUUID();
		int rows = AbandonedRequests.BATCH_SIZE * 2 + 37;
		this.recorded.jdbc().sql("""
				INSERT INTO channel_requests (id, channel_id, started_at, owner)
				SELECT gen_random_uuid(), 'swept', now(), ? FROM generate_series(1, ?)""").params(dead, rows).update();
		AbandonedRequests first = new AbandonedRequests(this.database, "replica-a");
		AbandonedRequests second = new AbandonedRequests(this.database, "replica-b");

		CompletableFuture<Long> a = first.closeExpired().toFuture();
		CompletableFuture<Long> b = second.closeExpired().toFuture();
		CompletableFuture<Long> c = first.closeExpired().toFuture();

		long closedHere = a.join() + b.join() + c.join();
		// This instance's own sweeper may have closed some of them too.
		assertThat(closedHere).isLessThanOrEqualTo(rows);
		Awaitility.await().atMost(Duration.ofSeconds(TestChannels.LEASE_SECONDS * 3)).untilAsserted(() -> {
			Map<String, Object> counts = this.recorded.jdbc().sql("""
					SELECT count(*) FILTER (WHERE r.state = 'pending') AS pending,
					       count(*) FILTER (WHERE r.state = 'error') AS closed,
					       (SELECT count(*) FROM channel_events e JOIN channel_requests q ON q.id = e.channel_request_id
					        WHERE q.owner = ?) AS events,
					       (SELECT count(*) FROM channel_outcomes o JOIN channel_requests q ON q.id = o.request_id
					        WHERE q.owner = ? AND o.state = 'error' AND o.started_at = q.started_at) AS outcomes
					FROM channel_requests r WHERE r.owner = ?""").params(dead, dead, dead).query().singleRow();
			assertThat(counts).containsEntry("pending", 0L)
				.containsEntry("closed", (long) rows)
				.containsEntry("events", (long) rows)
				.containsEntry("outcomes", (long) rows);
		});
	}

	private UUID pendingRow(String owner) {
		UUID id = UUID.randomUUID();
		this.recorded.jdbc()
			.sql("INSERT INTO channel_requests (id, channel_id, started_at, owner) VALUES (?, 'swept', ?, ?)")
			.params(id, new Timestamp(System.currentTimeMillis()), owner)
			.update();
		return id;
	}

	private String state(UUID id) {
		return (String) this.recorded.request(id).orElseThrow().get("state");
	}

	private List<String> leases() {
		return this.recorded.jdbc().sql("SELECT id FROM channel_instances").query(String.class).list();
	}

}
