package dev.channels.gateway.channel;

import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import dev.channels.gateway.support.GatewayClient;
import dev.channels.gateway.support.GatewayClient.Response;
import dev.channels.gateway.support.GatewayIntegrationTest;
import dev.channels.gateway.support.RecordedRequests;
import dev.channels.gateway.support.RecordedRequests.Recorded;
import dev.channels.gateway.support.TestBodies;
import dev.channels.gateway.support.TestChannels;
import dev.channels.gateway.support.TestDatabase;
import dev.channels.gateway.support.TestRoutes;
import dev.channels.gateway.support.TestSink.Received;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Per-channel overrides in route metadata, end to end: the {@code discreet} channel is
 * configured through properties as a user's application.yml would be; the others are
 * added at run time and the routes refreshed.
 */
class ChannelOverridesIntegrationTests extends GatewayIntegrationTest {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final RecordedRequests recorded = new RecordedRequests(TestDatabase.get());

	@LocalServerPort
	private int port;

	@Autowired
	private ApplicationContext context;

	private GatewayClient client;

	@BeforeEach
	void setUp() {
		this.client = new GatewayClient(this.port);
	}

	@Test
	void previewSizeOfTheChannelBoundsBothPreviewsWhileHashAndSizeCoverTheWholeBody() {
		byte[] body = TestBodies.bytes(1000);

		Response response = this.client.send("POST", "/channels/discreet/echo", body);

		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		int preview = TestChannels.DISCREET_PREVIEW_BYTES;
		assertThat((byte[]) outcome.event().get("request_body_preview")).isEqualTo(slice(body, preview));
		assertThat((byte[]) outcome.event().get("response_body_preview")).isEqualTo(slice(response.body(), preview));
		assertThat(outcome.event()).containsEntry("request_body_size", 1000L)
			.containsEntry("request_body_hash", TestBodies.sha256(body));
	}

	@Test
	void channelRedactsItsOwnHeadersOnTopOfTheGlobalOnes() {
		Response response = this.client.get("/channels/discreet/echo", "X-Session", "s-123", "x-signature", "sig-456",
				"Authorization", "Bearer t", "X-Visible", "v");

		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		List<List<String>> headers = headers(outcome.event().get("request_headers_json"));
		assertThat(headers).contains(List.of("X-Session", Redaction.REDACTED),
				List.of("x-signature", Redaction.REDACTED), List.of("Authorization", Redaction.REDACTED),
				List.of("X-Visible", "v"));
		assertThat(sinkReceived(response.requestId()).headers()).containsEntry("x-session", "s-123")
			.containsEntry("x-signature", "sig-456");
	}

	@Test
	void otherChannelsKeepTheGlobalSettings() {
		byte[] body = TestBodies.bytes(1000);

		Response response = this.client.send("POST", "/channels/echo/echo?token=abc", body, "X-Session", "s-123");

		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		assertThat((byte[]) outcome.event().get("request_body_preview")).isEqualTo(body);
		assertThat(headers(outcome.event().get("request_headers_json"))).contains(List.of("X-Session", "s-123"));
		assertThat(outcome.event()).containsEntry("request_query", "token=abc");
	}

	@Test
	void secretQueryParametersAreRedactedInTheQueryAndTheSinkUrlButForwardedAsSent() {
		String query = "token=abc&keep=1&SIG=x&tok%65n=y&token";

		Response response = this.client.get("/channels/discreet/echo?" + query);

		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		String redacted = "token=[REDACTED]&keep=1&SIG=[REDACTED]&tok%65n=[REDACTED]&token";
		assertThat(outcome.event()).containsEntry("request_query", redacted);
		// The gateway may reorder the parameters it sends on: what matters is what was
		// kept.
		assertThat((String) outcome.event().get("sink_url"))
			.contains("token=[REDACTED]", "SIG=[REDACTED]", "tok%65n=[REDACTED]", "keep=1")
			.doesNotContain("=abc", "=x", "=y");
		assertThat(URI.create(sinkReceived(response.requestId()).uri()).getRawQuery()).contains("token=abc", "SIG=x",
				"tok%65n=y");
	}

	@Test
	void previewSizeZeroKeepsNoPreviewAndARefreshAppliesNewOverrides() {
		String id = "refreshed-" + UUID.randomUUID();
		save(route(id, Map.of("preview-size", 0)));
		byte[] body = TestBodies.bytes(500);

		Recorded first = this.recorded
			.awaitOutcome(this.client.send("POST", "/channels/" + id + "/echo", body, "X-Later", "one").requestId());

		assertThat((byte[]) first.event().get("request_body_preview")).isEmpty();
		assertThat((byte[]) first.event().get("response_body_preview")).isEmpty();
		assertThat(first.event()).containsEntry("request_body_size", 500L)
			.containsEntry("request_body_hash", TestBodies.sha256(body));

		save(route(id, Map.of("preview-size", "100B", "redacted-headers", "X-Later")));

		Recorded second = this.recorded
			.awaitOutcome(this.client.send("POST", "/channels/" + id + "/echo", body, "X-Later", "two").requestId());
		assertThat((byte[]) second.event().get("request_body_preview")).isEqualTo(slice(body, 100));
		assertThat(headers(second.event().get("request_headers_json"))).contains(List.of("X-Later", "[REDACTED]"));
	}

	@Test
	void channelWithInvalidOverridesIsRefusedWith500AndNotForwarded() {
		String id = "misconfigured-" + UUID.randomUUID();
		save(route(id, Map.of("preview-size", "lots")));
		int received = TestChannels.SINK.received().size();

		Response response = this.client.get("/channels/" + id + "/echo?" + id);

		assertThat(response.status()).isEqualTo(500);
		assertThat(TestChannels.SINK.received()).hasSize(received).noneMatch((request) -> request.uri().endsWith(id));
		assertThat(this.recorded.jdbc()
			.sql("SELECT count(*) FROM channel_requests WHERE channel_id = ?")
			.param(id)
			.query(Long.class)
			.single()).isZero();
	}

	private void save(RouteDefinition route) {
		TestRoutes.saveAndRefresh(this.context, route);
	}

	private static RouteDefinition route(String id, Map<String, Object> metadata) {
		return TestRoutes.definition(id, TestChannels.SINK.url(), metadata);
	}

	private static Received sinkReceived(UUID requestId) {
		return TestChannels.SINK.received()
			.stream()
			.filter((request) -> requestId.toString().equals(request.headers().get("x-channel-request-id")))
			.findFirst()
			.orElseThrow();
	}

	@SuppressWarnings("unchecked")
	private static List<List<String>> headers(Object json) {
		return JSON.readValue((String) json, List.class);
	}

	private static byte[] slice(byte[] bytes, int length) {
		return Arrays.copyOf(bytes, Math.min(length, bytes.length));
	}

}
