package dev.channels.gateway.recording;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import dev.channels.gateway.recovery.InstanceLease;
import dev.channels.gateway.support.GatewayClient;
import dev.channels.gateway.support.GatewayClient.Response;
import dev.channels.gateway.support.RecordedRequests;
import dev.channels.gateway.support.StandaloneGateway;
import dev.channels.gateway.support.TestChannels;
import dev.channels.gateway.support.TestDatabase;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Shutdown while exchanges are in flight and outcomes wait to be written: the same path
 * as SIGTERM (the JVM's shutdown hook closes the context), taken by closing a gateway
 * started for this test alone.
 */
class GracefulShutdownIntegrationTests {

	private static final int EXCHANGES = 6;

	private final RecordedRequests recorded = new RecordedRequests(TestDatabase.get());

	@Test
	void inFlightExchangesFinishAndEveryOutcomeIsWrittenBeforeTheGatewayStops() {
		String marker = "shutdown-" + UUID.randomUUID();
		ConfigurableApplicationContext gateway = startGateway();
		// One slow write at a time: when the last exchange ends, outcomes still wait.
		this.recorded.jdbc().sql("""
				CREATE OR REPLACE FUNCTION test_slow_shutdown_outcome() RETURNS trigger LANGUAGE plpgsql AS
				$$ BEGIN PERFORM pg_sleep(0.3); RETURN NEW; END $$""").update();
		this.recorded.jdbc().sql("""
				CREATE OR REPLACE TRIGGER slow_shutdown_outcome BEFORE INSERT ON channel_events FOR EACH ROW
				WHEN (NEW.request_query LIKE 'shutdown-%') EXECUTE FUNCTION test_slow_shutdown_outcome()""").update();
		String instance = gateway.getBean(InstanceLease.class).id();
		GatewayClient client = new GatewayClient(((WebServerApplicationContext) gateway).getWebServer().getPort());

		List<CompletableFuture<Response>> exchanges = IntStream.range(0, EXCHANGES)
			.mapToObj((i) -> CompletableFuture.supplyAsync(() -> client.get("/channels/echo/slow/800?" + marker)))
			.toList();
		Awaitility.await()
			.atMost(Duration.ofSeconds(10))
			.until(() -> TestChannels.SINK.received()
				.stream()
				.filter((received) -> received.uri().endsWith(marker))
				.count() == EXCHANGES);

		gateway.close();

		// Every exchange in flight got its whole response...
		List<Response> responses = exchanges.stream().map(CompletableFuture::join).toList();
		assertThat(responses).allSatisfy((response) -> {
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.text()).isEqualTo("slow");
		});
		// ...and its outcome was written before close() returned, with no wait here.
		for (Response response : responses) {
			Map<String, Object> row = this.recorded.request(response.requestId()).orElseThrow();
			assertThat(row).containsEntry("state", "success").containsEntry("owner", instance);
			assertThat(this.recorded.events(response.requestId())).singleElement()
				.satisfies((event) -> assertThat(event).containsEntry("type", "sink_response"));
		}
		assertThat(this.recorded.jdbc()
			.sql("SELECT count(*) FROM channel_instances WHERE id = ?")
			.param(instance)
			.query(Long.class)
			.single()).isZero();
		this.recorded.jdbc().sql("DROP TRIGGER slow_shutdown_outcome ON channel_events").update();
	}

	private static ConfigurableApplicationContext startGateway() {
		String route = "spring.cloud.gateway.server.webflux.routes[0].";
		return StandaloneGateway.start(Map.of(route + "id", "echo", route + "uri", TestChannels.SINK.url(),
				route + "predicates[0]", "Path=/channels/echo/**", route + "filters[0]", "StripPrefix=2",
				"channels.persistence.concurrency", 1));
	}

}
