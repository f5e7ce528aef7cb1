package dev.channels.gateway.recording;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.channels.gateway.support.GatewayClient;
import dev.channels.gateway.support.GatewayClient.Response;
import dev.channels.gateway.support.GatewayIntegrationTest;
import dev.channels.gateway.support.RecordedRequests;
import dev.channels.gateway.support.RecordedRequests.Recorded;
import dev.channels.gateway.support.TestBodies;
import dev.channels.gateway.support.TestChannels;
import dev.channels.gateway.support.TestDatabase;

import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Where the time went between the gateway and the sink ({@code connect_us},
 * {@code reused_connection}, {@code request_sent_us}, {@code response_us}), through real
 * HTTP to real sinks.
 */
class SinkTimingIntegrationTests extends GatewayIntegrationTest {

	// What a truncated millisecond and the clocks' reading points may lose between
	// columns.
	private static final long SLACK_US = 2_000;

	private final RecordedRequests recorded = new RecordedRequests(TestDatabase.get());

	@LocalServerPort
	private int port;

	private GatewayClient client;

	@BeforeEach
	void setUp() {
		this.client = new GatewayClient(this.port);
		RefusedRows.install(this.recorded.jdbc());
	}

	@Test
	void theFirstRequestToASinkConnectsAndTheNextOneReusesThePooledConnection() {
		// Nothing else uses the timing channel's sink: its first request has no pooled
		// connection to take.
		Response first = this.client.get("/channels/timing/echo");
		Response second = this.client.get("/channels/timing/echo");

		assertThat(first.status()).isEqualTo(200);
		assertThat(second.status()).isEqualTo(200);
		Map<String, Object> connected = this.recorded.awaitOutcome(first.requestId()).event();
		assertThat(connected.get("reused_connection")).isEqualTo(false);
		assertThat(micros(connected, "connect_us")).isPositive().isLessThanOrEqualTo(latencyMicros(connected));
		assertWithinTheExchange(connected);
		Map<String, Object> reused = this.recorded.awaitOutcome(second.requestId()).event();
		assertThat(reused.get("reused_connection")).isEqualTo(true);
		assertThat(reused.get("connect_us")).isNull();
		assertWithinTheExchange(reused);
	}

	@Test
	void aSinkThatClosesEachConnectionIsConnectedToAgainForEveryRequest() {
		TestChannels.RAW.answer("/timing-close", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
			.getBytes(StandardCharsets.US_ASCII));

		for (int i = 0; i < 2; i++) {
			Response response = this.client.get("/channels/raw/timing-close");

			assertThat(response.status()).isEqualTo(200);
			Map<String, Object> event = this.recorded.awaitOutcome(response.requestId()).event();
			assertThat(event.get("reused_connection")).as("request %d", i).isEqualTo(false);
			assertThat(micros(event, "connect_us")).as("request %d", i).isPositive();
			assertWithinTheExchange(event);
		}
	}

	@Test
	void responseTimeCoversTheSinkDrippingItsBody() {
		// 10 KiB, 1 KiB every 20 ms: the headers come with the first, the last about 180
		// ms later.
		Response response = this.client.get("/channels/echo/drip/10");

		assertThat(response.body()).hasSize(10 * 1024);
		Map<String, Object> event = this.recorded.awaitOutcome(response.requestId()).event();
		assertThat(micros(event, "response_us")).isGreaterThanOrEqualTo(150_000);
		assertThat(event.get("reused_connection")).isNotNull();
		assertWithinTheExchange(event);
	}

	@Test
	void theRequestIsSentBeforeASlowSinkStartsToThinkAboutIt() {
		// The sink waits 500 ms after it has the request: the request was sent whole at
		// least that long before its answer came.
		Response response = this.client.get("/channels/echo/slow/500");

		assertThat(response.status()).isEqualTo(200);
		Map<String, Object> event = this.recorded.awaitOutcome(response.requestId()).event();
		long ttfb = ((Integer) event.get("ttfb_ms") + 1) * 1_000L;
		assertThat(ttfb - micros(event, "request_sent_us")).isGreaterThanOrEqualTo(450_000);
		assertWithinTheExchange(event);
	}

	@Test
	void theRequestIsSentWhenItsWholeBodyHasBeenWritten() {
		byte[] body = TestBodies.bytes(2 * 1024 * 1024);

		Response response = this.client.send("POST", "/channels/echo/echo", body, "Content-Type",
				"application/octet-stream");

		assertThat(response.body()).isEqualTo(body);
		Map<String, Object> event = this.recorded.awaitOutcome(response.requestId()).event();
		assertThat(event.get("request_body_size")).isEqualTo((long) body.length);
		assertWithinTheExchange(event);
	}

	@Test
	void anOutcomeTheDatabaseRefusedKeepsItsTimingsInTheErrorEventWrittenInstead() {
		Response response = this.client.get("/channels/broken-outcome/status/200");

		assertThat(response.status()).isEqualTo(200);
		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		assertThat(outcome.event().get("type")).isEqualTo("error");
		assertThat(outcome.event().get("reused_connection")).isNotNull();
		assertWithinTheExchange(outcome.event());
	}

	@Test
	void aRefusedSinkGaveNoConnectionAndWasSentNothing() {
		Response response = this.client.get("/channels/refused/anything");

		assertThat(response.status()).isEqualTo(502);
		Map<String, Object> event = this.recorded.awaitOutcome(response.requestId()).event();
		assertThat(event.get("reused_connection")).isNull();
		assertThat(event.get("connect_us")).isNull();
		assertThat(event.get("request_sent_us")).isNull();
		assertThat(event.get("response_us")).isNull();
	}

	@Test
	void aResponseTheClientLeftHasNoResponseTime() {
		byte[] start = this.client.readThenClose("/channels/echo/drip/50", 2048);

		assertThat(new String(start, StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200");
		Recorded outcome = this.recorded.awaitOutcome(requestIdOf(start));
		assertThat(outcome.state()).isEqualTo("error");
		assertThat(outcome.event().get("reused_connection")).isNotNull();
		assertThat(outcome.event().get("request_sent_us")).isNotNull();
		assertThat(outcome.event().get("response_us")).isNull();
	}

	// Each part of the exchange lies within it: the request was sent, and the response
	// relayed, before the exchange ended; the response was relayed after the sink's
	// headers came.
	private static void assertWithinTheExchange(Map<String, Object> event) {
		long latency = latencyMicros(event);
		assertThat(micros(event, "request_sent_us")).isNotNegative().isLessThanOrEqualTo(latency);
		assertThat(micros(event, "response_us")).isNotNegative().isLessThanOrEqualTo(latency);
		if (event.get("ttfb_ms") != null) {
			long ttfb = (Integer) event.get("ttfb_ms") * 1_000L;
			assertThat(ttfb + micros(event, "response_us")).isLessThanOrEqualTo(latency + SLACK_US);
		}
	}

	// latency_ms is truncated: the exchange took less than a millisecond more.
	private static long latencyMicros(Map<String, Object> event) {
		return ((Integer) event.get("latency_ms") + 1) * 1_000L;
	}

	private static long micros(Map<String, Object> event, String column) {
		Object value = event.get(column);
		assertThat(value).as(column).isInstanceOf(Long.class);
		return (Long) value;
	}

	private static UUID requestIdOf(byte[] head) {
		String text = new String(head, StandardCharsets.ISO_8859_1);
		int at = text.toLowerCase(Locale.ROOT).indexOf("x-channel-request-id: ");
		assertThat(at).as("request id header in %s", text).isNotNegative();
		int from = at + "x-channel-request-id: ".length();
		return UUID.fromString(text.substring(from, text.indexOf('\r', from)));
	}

}
