package dev.channels.gateway.recording;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.channels.gateway.support.GatewayClient;
import dev.channels.gateway.support.GatewayClient.Response;
import dev.channels.gateway.support.GatewayIntegrationTest;
import dev.channels.gateway.support.TestBodies;
import dev.channels.gateway.support.TestChannels;
import dev.channels.gateway.support.TestSink;

import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What operators and their tools see of proxied requests: the metrics as Prometheus
 * scrapes them from the management port, after real requests through a channel that no
 * other test uses, and the trace context that tracing systems follow through the gateway.
 */
class ObservabilityIntegrationTests extends GatewayIntegrationTest {

	private static final String CHANNEL = "{channel=\"metered\"}";

	@LocalServerPort
	private int port;

	@LocalManagementPort
	private int managementPort;

	private GatewayClient client;

	@BeforeEach
	void setUp() {
		this.client = new GatewayClient(this.port);
	}

	@Test
	void prometheusCountsRequestsByChannelAndStateWithTheirTimingsAndBodyBytes() {
		Map<String, Double> before = scrape();

		for (int i = 0; i < 3; i++) {
			Response response = this.client.send("POST", "/channels/metered/echo", TestBodies.bytes(1000));
			assertThat(response.status()).isEqualTo(200);
		}
		assertThat(this.client.get("/channels/metered/status/503").status()).isEqualTo(503);

		Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			Map<String, Double> after = scrape();
			assertThat(delta(before, after, "channels_recording_write_seconds_count{outcome=\"written\"}"))
				.isGreaterThanOrEqualTo(4);
			assertThat(delta(before, after, "channels_requests_total{channel=\"metered\",state=\"success\"}"))
				.isEqualTo(3);
			assertThat(delta(before, after, "channels_requests_total{channel=\"metered\",state=\"failed\"}"))
				.isEqualTo(1);
			assertThat(delta(before, after, "channels_request_latency_seconds_count" + CHANNEL)).isEqualTo(4);
			assertThat(delta(before, after, "channels_request_latency_seconds_bucket{channel=\"metered\",le=\"+Inf\"}"))
				.isEqualTo(4);
			assertThat(delta(before, after, "channels_request_ttfb_seconds_count" + CHANNEL)).isEqualTo(4);
			assertThat(delta(before, after, "channels_request_body_bytes_total" + CHANNEL)).isEqualTo(3000);
			// Three echoes, and the sink's body of the 503.
			assertThat(delta(before, after, "channels_response_body_bytes_total" + CHANNEL)).isGreaterThan(3000);
			assertThat(delta(before, after, "channels_recording_insert_seconds_count{outcome=\"written\"}"))
				.isGreaterThanOrEqualTo(4);
			assertThat(after).containsKeys("channels_recording_backlog", "channels_recording_write_retries_total",
					"channels_recording_write_failures_total", "channels_recording_dropped_total");
			assertThat(after.get("channels_recording_backlog_capacity")).isEqualTo(1000);
		});
	}

	@Test
	void noMeterIsTaggedWithAPathOrARequestId() {
		this.client.get("/channels/metered/status/200?unique=" + System.nanoTime());

		String scrape = scrapeText();

		assertThat(scrape).contains("channels_requests_total").doesNotContain("/status/200").doesNotContain("unique=");
		assertThat(scrape.lines().filter((line) -> line.startsWith("channels_")))
			.allSatisfy((line) -> assertThat(line).doesNotContain("path=").doesNotContain("id="));
	}

	@Test
	void w3cTraceContextPassesThroughToTheSinkUntouched() {
		String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
		String tracestate = "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7";
		String uri = "/status/200?trace=" + System.nanoTime();

		Response response = this.client.get("/channels/metered" + uri, "traceparent", traceparent, "tracestate",
				tracestate);

		assertThat(response.status()).isEqualTo(200);
		TestSink.Received received = TestChannels.SINK.received()
			.stream()
			.filter((request) -> request.uri().equals(uri))
			.findFirst()
			.orElseThrow();
		assertThat(received.headers()).containsEntry("traceparent", traceparent)
			.containsEntry("tracestate", tracestate);
	}

	private static double delta(Map<String, Double> before, Map<String, Double> after, String series) {
		assertThat(after).containsKey(series);
		return after.get(series) - before.getOrDefault(series, 0.0);
	}

	private String scrapeText() {
		Response response = new GatewayClient(this.managementPort).get("/actuator/prometheus");
		assertThat(response.status()).isEqualTo(200);
		return response.text();
	}

	// "name{labels} value" per line; labels as Prometheus writes them, in name order.
	private Map<String, Double> scrape() {
		Map<String, Double> series = new HashMap<>();
		scrapeText().lines().filter((line) -> !line.isBlank() && !line.startsWith("#")).forEach((line) -> {
			int space = line.lastIndexOf(' ');
			series.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
		});
		return series;
	}

}
