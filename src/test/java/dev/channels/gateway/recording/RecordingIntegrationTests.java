package dev.channels.gateway.recording;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.json.JsonMapper;

import dev.channels.gateway.support.GatewayClient;
import dev.channels.gateway.support.GatewayIntegrationTest;
import dev.channels.gateway.support.GatewayClient.Response;
import dev.channels.gateway.support.RecordedRequests;
import dev.channels.gateway.support.RecordedRequests.Recorded;
import dev.channels.gateway.support.TestBodies;
import dev.channels.gateway.support.TestChannels;
import dev.channels.gateway.support.TestDatabase;
import dev.channels.gateway.support.TestSink;

import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The recording observer end to end: real HTTP through the gateway to real sinks, and the
 * rows it writes to a real PostgreSQL.
 */
class RecordingIntegrationTests extends GatewayIntegrationTest {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final RecordedRequests recorded = new RecordedRequests(TestDatabase.get());

	@LocalServerPort
	private int port;

	private GatewayClient client;

	@BeforeEach
	void setUp() {
		this.client = new GatewayClient(this.port);
		RefusedRows.install(this.recorded.jdbc());
	}

	@ParameterizedTest(name = "{0} bytes")
	@ValueSource(ints = { 0, 1, 65536, 65537, 5 * 1024 * 1024 + 3 })
	void bodiesOfEverySizeAreHashedAndPreviewedAsSentAndReceived(int size) {
		byte[] body = TestBodies.bytes(size);

		Response response = this.client.send("POST", "/channels/echo/echo", body, "Content-Type",
				"application/octet-stream");

		assertThat(response.status()).isEqualTo(200);
		assertThat(response.body()).isEqualTo(body);
		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		assertThat(outcome.state()).isEqualTo("success");
		Map<String, Object> event = outcome.event();
		byte[] expectedPreview = Arrays.copyOf(body, Math.min(size, 65536));
		assertThat(event.get("request_body_size")).isEqualTo((long) size);
		assertThat(event.get("request_body_hash")).isEqualTo(TestBodies.sha256(body));
		assertThat((byte[]) event.get("request_body_preview")).isEqualTo(expectedPreview);
		assertThat(event.get("response_body_size")).isEqualTo((long) size);
		assertThat(event.get("response_body_hash")).isEqualTo(TestBodies.sha256(response.body()));
		assertThat((byte[]) event.get("response_body_preview")).isEqualTo(expectedPreview);
		TestSink.Received atSink = sinkReceived(response.requestId());
		assertThat(atSink.bodySha256()).isEqualTo(TestBodies.sha256(body));
	}

	@Test
	void largeDownloadIsHashedWhole() {
		int size = 8 * 1024 * 1024 + 17;

		Response response = this.client.get("/channels/echo/bytes/" + size);

		assertThat(response.body()).hasSize(size);
		Map<String, Object> event = this.recorded.awaitOutcome(response.requestId()).event();
		assertThat(event.get("response_body_size")).isEqualTo((long) size);
		assertThat(event.get("response_body_hash")).isEqualTo(TestBodies.sha256(response.body()));
		assertThat(event.get("request_body_size")).isEqualTo(0L);
		assertThat(event.get("request_body_hash")).isEqualTo(TestBodies.sha256(new byte[0]));
	}

	@Test
	void successfulExchangeIsRecordedWithRequestAndResponseDetails() {
		Instant before = Instant.now();

		Response response = this.client.send("PUT", "/channels/echo/echo?b=2&a=%20x", "hello".getBytes(),
				"Content-Type", "text/plain", "X-Forwarded-For", "203.0.113.7, 10.0.0.1", "X-Repeat", "one", "X-Repeat",
				"two");

		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		Map<String, Object> request = outcome.request();
		assertThat(request.get("channel_id")).isEqualTo("echo");
		assertThat(request.get("state")).isEqualTo("success");
		// No trusted proxies are configured: the peer is the client, whatever its
		// X-Forwarded-For claims.
		assertThat(request.get("client_identity")).isEqualTo("127.0.0.1");
		Instant startedAt = ((Timestamp) request.get("started_at")).toInstant();
		Instant completedAt = ((Timestamp) request.get("completed_at")).toInstant();
		assertThat(startedAt).isBetween(before.minusMillis(1), Instant.now());
		assertThat(completedAt).isAfterOrEqualTo(startedAt);
		Map<String, Object> event = outcome.event();
		assertThat(event.get("type")).isEqualTo("sink_response");
		assertThat(event.get("request_method")).isEqualTo("PUT");
		assertThat(event.get("request_path")).isEqualTo("/channels/echo/echo");
		assertThat(event.get("request_query")).isEqualTo("b=2&a=%20x");
		assertThat(event.get("sink_url")).isEqualTo(TestChannels.SINK.url() + "/echo?b=2&a=%20x");
		assertThat(event.get("response_status")).isEqualTo(200);
		assertThat(pairs(event.get("request_headers_json"))).containsSubsequence(List.of("X-Repeat", "one"),
				List.of("X-Repeat", "two"));
		assertThat(pairs(event.get("response_headers_json"))).contains(List.of("Content-Type", "text/plain"));
		int latency = (Integer) event.get("latency_ms");
		int ttfb = (Integer) event.get("ttfb_ms");
		assertThat(ttfb).isBetween(0, latency);
		assertThat(event.get("error_message")).isNull();
		// The copy on the request row that the history's charts read (V7).
		assertThat(request.get("latency_ms")).isEqualTo(latency);
	}

	@Test
	void peerAddressIdentifiesTheClientWithoutForwardedFor() {
		Response response = this.client.get("/channels/echo/status/204");

		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		assertThat(outcome.request().get("client_identity")).isEqualTo("127.0.0.1");
		assertThat(outcome.event().get("request_query")).isNull();
		assertThat(outcome.state()).isEqualTo("success");
	}

	@ParameterizedTest(name = "sink status {0}")
	@ValueSource(ints = { 201, 302, 404, 500, 503 })
	void stateFollowsTheSinkStatus(int status) {
		Response response = this.client.get("/channels/echo/status/" + status);

		assertThat(response.status()).isEqualTo(status);
		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		assertThat(outcome.state()).isEqualTo((status < 400) ? "success" : "failed");
		assertThat(outcome.event().get("type")).isEqualTo("sink_response");
		assertThat(outcome.event().get("response_status")).isEqualTo(status);
		assertThat(outcome.event().get("response_body_preview"))
			.isEqualTo(("status " + status).getBytes(StandardCharsets.UTF_8));
	}

	@Test
	void sinkTooSlowIsATimeoutAnswered504() {
		Response response = this.client.get("/channels/slow/slow/3000");

		assertThat(response.status()).isEqualTo(504);
		// The error body names the exchange as the header does.
		assertThat(response.text()).contains("\"requestId\":\"" + response.requestId() + "\"");
		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		assertThat(outcome.state()).isEqualTo("timeout");
		assertThat(outcome.event().get("type")).isEqualTo("error");
		assertThat(outcome.event().get("response_status")).isNull();
		assertThat(outcome.event().get("ttfb_ms")).isNull();
		assertThat((String) outcome.event().get("error_message")).contains("response timeout");
		assertThat((Integer) outcome.event().get("latency_ms")).isGreaterThanOrEqualTo(500);
	}

	@Test
	void sinkThatNeverAcceptsIsAConnectTimeoutAnswered504() {
		Response response = this.client.get("/channels/blackhole/anything");

		assertThat(response.status()).isEqualTo(504);
		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		assertThat(outcome.state()).isEqualTo("timeout");
		assertThat((String) outcome.event().get("error_message")).contains("connecting to the sink timed out");
	}

	@Test
	void refusedConnectionIsAnErrorAnswered502WithTheRequestBodyStillRecorded() {
		byte[] body = TestBodies.bytes(100_000);

		Response response = this.client.send("POST", "/channels/refused/x", body);

		assertThat(response.status()).isEqualTo(502);
		assertThat(response.text()).contains("\"requestId\":\"" + response.requestId() + "\"");
		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		assertThat(outcome.state()).isEqualTo("error");
		assertThat(outcome.event().get("type")).isEqualTo("error");
		assertThat((String) outcome.event().get("error_message")).contains("refused");
		assertThat((String) outcome.event().get("sink_url")).endsWith("/x");
		assertThat(outcome.event().get("request_body_hash")).isEqualTo(TestBodies.sha256(body));
		assertThat(outcome.event().get("response_status")).isNull();
	}

	@Test
	void secretBodyFieldsAreRedactedInTheStoredPreviewsWhileTheSinkAndTheClientGetTheRealBody() {
		byte[] body = """
				{"user": "ann", "credentials": {"password": "hunter2-%s"}, "refresh_token": "rt-%s"}"""
			.formatted(UUID.randomUUID(), UUID.randomUUID())
			.getBytes(StandardCharsets.UTF_8);

		Response response = this.client.send("POST", "/channels/echo/echo/secrets", body, "Content-Type",
				"application/json");

		assertThat(response.body()).isEqualTo(body);
		Map<String, Object> event = this.recorded.awaitOutcome(response.requestId()).event();
		String stored = new String((byte[]) event.get("request_body_preview"), StandardCharsets.UTF_8);
		assertThat(stored).isEqualTo("""
				{"user": "ann", "credentials": {"password": "[REDACTED]"}, "refresh_token": "[REDACTED]"}""");
		assertThat(new String((byte[]) event.get("response_body_preview"), StandardCharsets.UTF_8)).isEqualTo(stored);
		// The size and hash prove what was sent.
		assertThat(event).containsEntry("request_body_size", (long) body.length)
			.containsEntry("request_body_hash", TestBodies.sha256(body))
			.containsEntry("response_body_hash", TestBodies.sha256(body));
		assertThat((String) event.get("redactions_json")).isEqualTo("{\"request\": {\"fields\": {\"password\": 1, "
				+ "\"refresh_token\": 1}, \"received_bytes\": " + body.length + "}, \"response\": {\"fields\": "
				+ "{\"password\": 1, \"refresh_token\": 1}, \"received_bytes\": " + body.length + "}}");
	}

	@Test
	void aRefusedSinksUnreadBodyIsReadOnlyUpToTheLimitAndTheRecordSaysSo() {
		byte[] body = TestBodies.bytes(4 * TestChannels.UNREAD_BODY_LIMIT_BYTES);

		Response response = this.client.send("POST", "/channels/refused/large", body);

		assertThat(response.status()).isEqualTo(502);
		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		assertThat(outcome.state()).isEqualTo("error");
		long read = (Long) outcome.event().get("request_body_size");
		assertThat(read).isGreaterThanOrEqualTo(TestChannels.UNREAD_BODY_LIMIT_BYTES).isLessThan(body.length);
		assertThat(outcome.event().get("request_body_hash"))
			.isEqualTo(TestBodies.sha256(Arrays.copyOf(body, (int) read)));
		assertThat((String) outcome.event().get("error_message")).contains("refused")
			.contains("the request body was not read past " + read + " bytes");
	}

	@Test
	void sinkDyingMidBodyIsAnErrorThatKeepsTheSinksStatusAndHeaders() {
		GatewayClient.RawResponse response = this.client.readUntilClosed("/channels/dying/anything");

		assertThat(response.head()).startsWith("HTTP/1.1 200");
		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		assertThat(outcome.state()).isEqualTo("error");
		assertThat(outcome.event().get("type")).isEqualTo("error");
		assertThat(outcome.event().get("response_status")).isEqualTo(200);
		assertThat(pairs(outcome.event().get("response_headers_json"))).contains(List.of("Content-Length", "100000"));
		assertThat(outcome.event().get("response_body_size")).isEqualTo((long) TestChannels.DYING_BODY_BYTES);
		assertThat(outcome.event().get("response_body_hash"))
			.isEqualTo(TestBodies.sha256(TestBodies.bytes(TestChannels.DYING_BODY_BYTES)));
		assertThat((String) outcome.event().get("error_message")).contains("sink broke off");
	}

	@Test
	void clientLeavingMidResponseIsAnError() {
		int sinkBefore = TestChannels.SINK.received().size();

		this.client.readThenClose("/channels/echo/drip/200", 4096);

		UUID id = awaitSinkRequestId(sinkBefore, "/drip/200");
		Recorded outcome = this.recorded.awaitOutcome(id);
		assertThat(outcome.state()).isEqualTo("error");
		assertThat(outcome.event().get("type")).isEqualTo("error");
		assertThat(outcome.event().get("response_status")).isEqualTo(200);
		assertThat((String) outcome.event().get("error_message")).contains("client closed the connection");
		assertThat((Long) outcome.event().get("response_body_size")).isLessThan(200 * 1024L);
	}

	@Test
	void clientClosingRightAfterTheLastByteIsASuccess() {
		int size = 300_000;

		GatewayClient.RawResponse response = this.client
			.exchangeThenClose("GET /channels/echo/bytes/" + size + " HTTP/1.1\r\nHost: localhost\r\n\r\n");

		assertThat(response.body()).isEqualTo(TestBodies.bytes(size));
		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		assertThat(outcome.state()).isEqualTo("success");
		assertThat(outcome.event().get("response_body_size")).isEqualTo((long) size);
	}

	@Test
	void serverSentEventsAreRecordedAsStreamed() {
		Response response = this.client.get("/channels/echo/sse", "Accept", "text/event-stream");

		String expected = IntStream.range(0, 5)
			.mapToObj((i) -> "data: event " + i + "\n\n")
			.collect(Collectors.joining());
		assertThat(response.text()).isEqualTo(expected);
		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		assertThat(outcome.state()).isEqualTo("success");
		assertThat(outcome.event().get("response_body_preview")).isEqualTo(expected.getBytes(StandardCharsets.UTF_8));
		assertThat(outcome.event().get("response_body_hash")).isEqualTo(TestBodies.sha256(response.body()));
	}

	@Test
	void secretHeadersAreRedactedInStorageOnlyWhateverTheirCase() {
		GatewayClient.RawResponse response = this.client.exchangeThenClose("""
				POST /channels/echo/echo HTTP/1.1\r
				Host: localhost\r
				authorization: Bearer top-secret\r
				COOKIE: a=b\r
				X-Api-Key: k1\r
				X-Visible: plain\r
				Content-Length: 1\r
				\r
				x""");

		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		List<List<String>> stored = pairs(outcome.event().get("request_headers_json"));
		assertThat(stored).contains(List.of("authorization", "[REDACTED]"), List.of("COOKIE", "[REDACTED]"),
				List.of("X-Api-Key", "[REDACTED]"), List.of("X-Visible", "plain"));
		assertThat(outcome.event().toString()).doesNotContain("top-secret");
		TestSink.Received atSink = sinkReceived(response.requestId());
		assertThat(atSink.headers()).containsEntry("authorization", "Bearer top-secret")
			.containsEntry("cookie", "a=b")
			.containsEntry("x-api-key", "k1");
	}

	@Test
	void secretResponseHeadersReachTheClientButNotStorage() {
		Response secrets = this.client.get("/channels/echo/secrets");

		assertThat(secrets.headers().allValues("Set-Cookie")).containsExactly("session=s3cr3t");
		assertThat(secrets.headers().allValues("X-API-Key")).containsExactly("sink-key");
		List<List<String>> stored = pairs(
				this.recorded.awaitOutcome(secrets.requestId()).event().get("response_headers_json"));
		assertThat(stored).contains(List.of("Set-Cookie", "[REDACTED]"), List.of("X-API-Key", "[REDACTED]"))
			.containsSubsequence(List.of("X-Multi", "one"), List.of("X-Multi", "two"));
	}

	@Test
	void requestIdReachesTheSinkAndTheClientAndClientRequestIdsAreNotKeys() {
		Response first = this.client.get("/channels/echo/status/200", "X-Request-Id", "same");
		Response second = this.client.get("/channels/echo/status/200", "X-Request-Id", "same");

		assertThat(first.requestId()).isNotEqualTo(second.requestId());
		assertThat(this.recorded.awaitOutcome(first.requestId()).state()).isEqualTo("success");
		assertThat(this.recorded.awaitOutcome(second.requestId()).state()).isEqualTo("success");
		TestSink.Received atSink = sinkReceived(first.requestId());
		assertThat(atSink.headers()).containsEntry("x-request-id", "same");
	}

	@Test
	void rowIsPendingBeforeTheSinkSeesTheRequest() {
		int sinkBefore = TestChannels.SINK.received().size();
		CompletableFuture<Response> slow = CompletableFuture
			.supplyAsync(() -> this.client.get("/channels/echo/slow/1500"));

		UUID id = awaitSinkRequestId(sinkBefore, "/slow/1500");

		assertThat(this.recorded.request(id))
			.hasValueSatisfying((row) -> assertThat(row.get("state")).isEqualTo("pending"));
		assertThat(this.recorded.awaitOutcome(slow.join().requestId()).state()).isEqualTo("success");
	}

	@Test
	void unrecordableRequestIsAnswered503AndNeverForwarded() {
		int sinkBefore = TestChannels.SINK.received().size();

		Response response = this.client.send("POST", "/channels/unrecordable/echo", "payload".getBytes(),
				"Content-Type", "text/plain");

		assertThat(response.status()).isEqualTo(503);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
		assertThat(response.text()).contains("\"error\":\"recording_unavailable\"",
				"\"requestId\":\"" + response.requestId() + "\"");
		// The id is the one in the gateway's log line about the refusal; it names no row.
		assertThat(this.recorded.request(response.requestId())).isEmpty();
		assertThat(TestChannels.SINK.received().subList(sinkBefore, TestChannels.SINK.received().size()))
			.noneMatch((received) -> received.uri().startsWith("/echo") && received.bodySize() == 7);
		Long rows = this.recorded.jdbc()
			.sql("SELECT count(*) FROM channel_requests WHERE channel_id = 'unrecordable'")
			.query(Long.class)
			.single();
		assertThat(rows).isZero();
	}

	@Test
	void failedOutcomeWriteStillClosesTheRequestAsErrorWithTheReason() {
		Response response = this.client.get("/channels/broken-outcome/status/200");

		assertThat(response.status()).isEqualTo(200);
		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		assertThat(outcome.state()).isEqualTo("error");
		assertThat(outcome.request().get("completed_at")).isNotNull();
		assertThat(outcome.event().get("type")).isEqualTo("error");
		assertThat((String) outcome.event().get("error_message")).contains("recording the outcome failed")
			.contains("simulated failure in channel_events");
	}

	@Test
	void concurrentRequestsAreEachRecordedOnce() throws Exception {
		int count = 64;
		ExecutorService pool = Executors.newFixedThreadPool(16);
		try {
			List<CompletableFuture<Response>> responses = IntStream.range(0, count)
				.mapToObj((i) -> CompletableFuture.supplyAsync(() -> this.client.send("POST", "/channels/echo/echo",
						TestBodies.bytes(i * 1000, 1000 + i), "X-Request-Id", "shared"), pool))
				.toList();
			Set<UUID> ids = responses.stream()
				.map(CompletableFuture::join)
				.map(Response::requestId)
				.collect(Collectors.toSet());

			assertThat(ids).hasSize(count);
			for (int i = 0; i < count; i++) {
				Response response = responses.get(i).join();
				Recorded outcome = this.recorded.awaitOutcome(response.requestId());
				assertThat(outcome.state()).isEqualTo("success");
				assertThat(outcome.event().get("request_body_hash"))
					.isEqualTo(TestBodies.sha256(TestBodies.bytes(i * 1000, 1000 + i)));
			}
		}
		finally {
			pool.shutdownNow();
		}
	}

	@Test
	void retriedExchangeIsRecordedWithTheAnswerTheClientGot() {
		String key = UUID.randomUUID().toString();

		Response response = this.client.get("/channels/retrying/flaky/" + key);

		assertThat(response.status()).isEqualTo(200);
		assertThat(response.text()).isEqualTo("fine");
		assertThat(TestChannels.SINK.received()).filteredOn((r) -> r.uri().equals("/flaky/" + key)).hasSize(2);
		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		assertThat(outcome.state()).isEqualTo("success");
		assertThat(outcome.event().get("response_status")).isEqualTo(200);
		assertThat(outcome.event().get("response_body_preview")).isEqualTo("fine".getBytes(StandardCharsets.UTF_8));
	}

	@Test
	void requestsThatMatchNoChannelGet404AndNoRecord() {
		Long before = countRequests();

		Response response = this.client.get("/not-a-channel/x");

		assertThat(response.status()).isEqualTo(404);
		assertThat(response.headers().firstValue("X-Channel-Request-Id")).isEmpty();
		assertThat(countRequests()).isEqualTo(before);
	}

	private Long countRequests() {
		return this.recorded.jdbc().sql("SELECT count(*) FROM channel_requests").query(Long.class).single();
	}

	private TestSink.Received sinkReceived(UUID requestId) {
		return TestChannels.SINK.received()
			.stream()
			.filter((received) -> requestId.toString().equals(received.headers().get("x-channel-request-id")))
			.findFirst()
			.orElseThrow(() -> new AssertionError("sink never received " + requestId));
	}

	private UUID awaitSinkRequestId(int after, String uri) {
		return Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> {
			List<TestSink.Received> received = TestChannels.SINK.received();
			return received.subList(Math.min(after, received.size()), received.size())
				.stream()
				.filter((r) -> r.uri().equals(uri))
				.map((r) -> UUID.fromString(r.headers().get("x-channel-request-id")))
				.findFirst()
				.orElse(null);
		}, (id) -> id != null);
	}

	@SuppressWarnings("unchecked")
	private static List<List<String>> pairs(Object json) {
		return JSON.readValue((String) json, List.class);
	}

}
