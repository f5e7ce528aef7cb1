package dev.channels.gateway.recording;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.json.JsonMapper;

import dev.channels.gateway.observer.BodySummary;
import dev.channels.gateway.observer.Header;
import dev.channels.gateway.observer.RequestStart;
import dev.channels.gateway.support.GatewayClient;
import dev.channels.gateway.support.GatewayClient.RawConnection;
import dev.channels.gateway.support.GatewayClient.RawResponse;
import dev.channels.gateway.support.GatewayIntegrationTest;
import dev.channels.gateway.support.RecordedRequests;
import dev.channels.gateway.support.RecordedRequests.Recorded;
import dev.channels.gateway.support.TestBodies;
import dev.channels.gateway.support.TestChannels;
import dev.channels.gateway.support.TestDatabase;
import dev.channels.gateway.support.TestSink;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.test.context.TestPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What clients and sinks send that they should not, sent as exact bytes over raw sockets:
 * each case is either recorded faithfully or answered with a clear 4xx (never a 5xx from
 * the gateway itself), and never leaves a row half-written or pending.
 */
class BadInputIntegrationTests extends GatewayIntegrationTest {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final Pattern REQUEST_ID = Pattern.compile("(?i)\r\nX-Channel-Request-Id: *([0-9a-f-]+)");

	private final RecordedRequests recorded = new RecordedRequests(TestDatabase.get());

	@LocalServerPort
	private int port;

	@Autowired
	private RecordingStatements records;

	@Autowired
	private RouteLocator routes;

	@Autowired
	private ChannelSnapshots snapshots;

	private GatewayClient client;

	private Instant started;

	@BeforeEach
	void setUp() {
		this.client = new GatewayClient(this.port);
		this.started = Instant.now();
	}

	// Header values: Netty decodes header bytes as ISO-8859-1 and refuses control
	// characters.

	@Test
	void requestHeaderBytesBeyondAsciiAreForwardedAndStoredAsTheirIso88591Characters() {
		String value = "caf\u00e9 \u00ff\u0080\u00a0end";

		RawResponse response = this.client.exchangeThenClose(
				"GET /channels/echo/status/200 HTTP/1.1\r\nHost: x\r\n" + "X-Latin: " + value + "\r\n\r\n");

		assertThat(response.head()).startsWith("HTTP/1.1 200 ");
		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		assertThat(outcome.state()).isEqualTo("success");
		assertThat(pairs(outcome.event().get("request_headers_json"))).contains(List.of("X-Latin", value));
		// Stored as the characters U+0080..U+00FF, one per byte sent: the bytes come back
		// as ISO-8859-1.
		assertThat(sinkReceived(response.requestId()).headers()).containsEntry("x-latin", value);
	}

	@Test
	void responseHeaderBytesBeyondAsciiFromTheSinkReachTheClientAndStorage() {
		String value = "caf\u00e9 \u00ff\u0080";
		TestChannels.RAW.answer("/latin", ("HTTP/1.1 200 OK\r\nX-Latin: " + value + "\r\nContent-Length: 2\r\n\r\nok")
			.getBytes(StandardCharsets.ISO_8859_1));

		RawResponse response = this.client.exchangeThenClose("GET /channels/raw/latin HTTP/1.1\r\nHost: x\r\n\r\n");

		assertThat(response.head()).startsWith("HTTP/1.1 200 ").contains("\r\nX-Latin: " + value + "\r\n");
		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		assertThat(outcome.state()).isEqualTo("success");
		assertThat(pairs(outcome.event().get("response_headers_json"))).contains(List.of("X-Latin", value));
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "X-Ctl: a\u0001b", "X-Ctl: a\u001fb", "X-Nul: a\u0000b", "X-Del: a\u007fb",
			"X-C\u0001tl: a", "X-\u00e9: a", "X-Nul\u0000: a" })
	void requestHeadersWithControlCharactersAreRefused400BeforeAnythingIsRecordedOrForwarded(String line) {
		int sinkBefore = TestChannels.SINK.received().size();

		String answer = this.client
			.exchangeUntilClosed("GET /channels/echo/status/200 HTTP/1.1\r\nHost: x\r\n" + line + "\r\n\r\n");

		assertThat(answer).startsWith("HTTP/1.1 400 ");
		assertThat(rowsSinceStart()).isZero();
		assertThat(TestChannels.SINK.received()).hasSize(sinkBefore);
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(
			strings = { "X-Ctl: a\u0001b", "X-Ctl: a\u001fb", "X-Nul: a\u0000b", "X-Del: a\u007fb", "X-C\u0001tl: a" })
	void sinkHeadersWithControlCharactersAreTheSinksFaultAnswered502AndRecordedAsError(String line) {
		String target = "/control-" + UUID.randomUUID();
		TestChannels.RAW.answer(target, ("HTTP/1.1 200 OK\r\n" + line + "\r\nContent-Length: 2\r\n\r\nok")
			.getBytes(StandardCharsets.ISO_8859_1));

		RawResponse response = this.client
			.exchangeThenClose("GET /channels/raw" + target + " HTTP/1.1\r\nHost: x\r\n\r\n");

		// The gateway's HTTP client refuses such a response as Netty's server refuses
		// such a request.
		assertThat(response.head()).startsWith("HTTP/1.1 502 ");
		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		assertThat(outcome.state()).isEqualTo("error");
		assertThat(outcome.event().get("type")).isEqualTo("error");
		assertThat(outcome.event().get("response_status")).isNull();
		assertThat((String) outcome.event().get("error_message"))
			.startsWith("sink sent a response that is not valid HTTP");
	}

	@Test
	void nulInAHeaderIsStoredAsBase64OfItsBytesWithoutLosingTheRecord() {
		// No NUL gets this far through Netty's validation (see above): stored through the
		// records directly.
		Route echo = this.routes.getRoutes().filter((route) -> route.getId().equals("echo")).blockFirst();
		RequestStart request = new RequestStart(UUID.randomUUID(), echo, "GET", "/channels/echo/nul", null,
				List.of(new Header("X-Plain", "a\u0001b"), new Header("X-Nul", "a\u0000\u00e9")), null, Instant.now(),
				null);
		this.records.insertPending(List.of(new PendingRow(request, this.snapshots.snapshotOf(echo).join()))).block();
		BodySummary empty = new BodySummary(0, TestBodies.sha256(new byte[0]), new byte[0]);
		OutcomeRow row = new OutcomeRow(request.id(), "echo", UUID.randomUUID(), RequestState.SUCCESS,
				OutcomeRow.SINK_RESPONSE, Instant.now(), "GET", "/channels/echo/nul", null, request.headers(), null,
				empty, 200, List.of(new Header("X\u0000Name", "v")), empty, 1, 1, null, Map.of(), null, null, null,
				null);

		this.records.complete(List.of(row)).block();

		Recorded outcome = this.recorded.awaitOutcome(request.id());
		assertThat(outcome.state()).isEqualTo("success");
		List<List<String>> requestHeaders = pairs(outcome.event().get("request_headers_json"));
		assertThat(requestHeaders).containsExactly(List.of("X-Plain", "a\u0001b"),
				List.of(base64("X-Nul"), base64("a\u0000\u00e9"), "base64"));
		assertThat(decoded(requestHeaders.get(1))).containsExactly("X-Nul", "a\u0000\u00e9");
		assertThat(decoded(pairs(outcome.event().get("response_headers_json")).get(0))).containsExactly("X\u0000Name",
				"v");
	}

	// Request targets: a NUL cannot reach the text columns.

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "/channels/echo/status/200/a\u0000b", "/channels/echo/status/200?q=a\u0000b",
			"/channels/echo/status/200/a\u0001b", "/channels/echo/status/200?q=a|b" })
	void requestTargetsWithNulControlOrUnsafeCharactersAreRefused400BeforeAnythingIsRecorded(String target) {
		RawResponse response = this.client.exchangeThenClose("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");

		// Spring cannot make a URI of such a target and answers 400 before routing.
		assertThat(response.head()).startsWith("HTTP/1.1 400 ");
		assertThat(rowsSinceStart()).isZero();
	}

	@Test
	void percentEncodedNulInPathAndQueryIsRecordedAsSent() {
		RawResponse response = this.client
			.exchangeThenClose("GET /channels/echo/status/200/%00?q=%00&r=%C3%28 HTTP/1.1\r\nHost: x\r\n\r\n");

		assertThat(response.head()).startsWith("HTTP/1.1 200 ");
		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		assertThat(outcome.event().get("request_path")).isEqualTo("/channels/echo/status/200/%00");
		assertThat(outcome.event().get("request_query")).isEqualTo("q=%00&r=%C3%28");
		assertThat(sinkReceived(response.requestId()).uri()).isEqualTo("/status/200/%00?q=%00&r=%C3%28");
	}

	// Bodies are bytes: nothing decodes them.

	@Test
	void invalidUtf8RequestBodyIsRelayedAndStoredByteExact() {
		byte[] body = { (byte) 0xc3, 0x28, (byte) 0xff, (byte) 0xfe, (byte) 0xc0, (byte) 0xaf, (byte) 0xed, (byte) 0xa0,
				(byte) 0x80, 0 };

		GatewayClient.Response response = this.client.send("POST", "/channels/echo/echo", body, "Content-Type",
				"text/plain; charset=utf-8");

		assertThat(response.status()).isEqualTo(200);
		assertThat(response.body()).isEqualTo(body);
		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		assertThat(outcome.state()).isEqualTo("success");
		assertThat((byte[]) outcome.event().get("request_body_preview")).isEqualTo(body);
		assertThat(outcome.event().get("request_body_hash")).isEqualTo(TestBodies.sha256(body));
		assertThat((byte[]) outcome.event().get("response_body_preview")).isEqualTo(body);
		assertThat(outcome.event().get("response_body_hash")).isEqualTo(TestBodies.sha256(body));
		assertThat(sinkReceived(response.requestId()).bodySha256()).isEqualTo(TestBodies.sha256(body));
	}

	@Test
	void invalidUtf8ResponseBodyIsRelayedAndStoredByteExact() {
		String body = "\u00c3\u0028\u00ff\u00fe\u0000\u00ed\u00a0\u0080";
		TestChannels.RAW.answer("/bad-utf8", ("HTTP/1.1 200 OK\r\nContent-Type: text/plain;charset=UTF-8\r\n"
				+ "Content-Length: " + body.length() + "\r\n\r\n" + body)
			.getBytes(StandardCharsets.ISO_8859_1));

		RawResponse response = this.client.exchangeThenClose("GET /channels/raw/bad-utf8 HTTP/1.1\r\nHost: x\r\n\r\n");

		byte[] bytes = body.getBytes(StandardCharsets.ISO_8859_1);
		assertThat(response.body()).isEqualTo(bytes);
		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		assertThat(outcome.state()).isEqualTo("success");
		assertThat((byte[]) outcome.event().get("response_body_preview")).isEqualTo(bytes);
		assertThat(outcome.event().get("response_body_hash")).isEqualTo(TestBodies.sha256(bytes));
		assertThat(outcome.event().get("response_body_size")).isEqualTo((long) bytes.length);
	}

	// Limits (application.yml): the request line up to 4 KB, the header section up to 8
	// KB.

	@Test
	void requestLineUpToTheLimitIsRecordedWhole() {
		String target = requestTarget("/channels/echo/status/200/", 4096);

		RawResponse response = this.client.exchangeThenClose("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");

		assertThat(response.head()).startsWith("HTTP/1.1 200 ");
		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		assertThat(outcome.event().get("request_path")).isEqualTo(target);
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "/channels/echo/status/200/", "/channels/echo/status/200?q=" })
	void pathOrQueryBeyondTheRequestLineLimitIsAnswered414AndNeitherRecordedNorForwarded(String prefix) {
		int sinkBefore = TestChannels.SINK.received().size();

		String answer = this.client
			.exchangeUntilClosed("GET " + requestTarget(prefix, 4097) + " HTTP/1.1\r\nHost: x\r\n\r\n");

		assertThat(answer).startsWith("HTTP/1.1 414 ");
		assertThat(rowsSinceStart()).isZero();
		assertThat(TestChannels.SINK.received()).hasSize(sinkBefore);
	}

	@Test
	void headersNearTheLimitAreRecordedWhole() {
		// Not closer: the gateway adds headers on the way, and the sink has the same 8 KB
		// limit.
		String big = "v".repeat(7 * 1024);

		RawResponse response = this.client
			.exchangeThenClose("GET /channels/echo/status/200 HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n"
					+ manyHeaders(10) + "\r\n");

		assertThat(response.head()).startsWith("HTTP/1.1 200 ");
		List<List<String>> stored = pairs(
				this.recorded.awaitOutcome(response.requestId()).event().get("request_headers_json"));
		assertThat(stored).hasSize(12).contains(List.of("X-Big", big), List.of("X-H9", "value-9"));
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "many", "large" })
	void headersBeyondTheLimitAreAnswered431AndNeitherRecordedNorForwarded(String kind) {
		int sinkBefore = TestChannels.SINK.received().size();
		String headers = kind.equals("many") ? manyHeaders(600) : "X-Big: " + "v".repeat(8 * 1024) + "\r\n";

		String answer = this.client
			.exchangeUntilClosed("GET /channels/echo/status/200 HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n");

		assertThat(answer).startsWith("HTTP/1.1 431 ");
		assertThat(rowsSinceStart()).isZero();
		assertThat(TestChannels.SINK.received()).hasSize(sinkBefore);
	}

	// Methods: any token is forwarded and recorded as sent.

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "PURGE", "PROPFIND", "FROB", "OPTIONS", "TRACE", "get" })
	void unusualMethodsAreForwardedAndRecordedAsSent(String method) {
		String answer = this.client.exchangeUntilClosed(method
				+ " /channels/echo/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");

		assertThat(answer).startsWith("HTTP/1.1 200 ").endsWith("\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
		UUID id = requestId(answer);
		Recorded outcome = this.recorded.awaitOutcome(id);
		assertThat(outcome.state()).isEqualTo("success");
		assertThat(outcome.event().get("request_method")).isEqualTo(method);
		assertThat(outcome.event().get("request_body_size")).isEqualTo(3L);
		TestSink.Received atSink = sinkReceived(id);
		assertThat(atSink.method()).isEqualTo(method);
		assertThat(atSink.bodySize()).isEqualTo(3);
	}

	@Test
	void connectCannotBeProxiedAndIsAnswered405WithoutRecordOrForwarding() {
		int sinkBefore = TestChannels.SINK.received().size();

		RawResponse response = this.client
			.exchangeThenClose("CONNECT /channels/echo/status/200 HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");

		assertThat(response.head()).startsWith("HTTP/1.1 405 ");
		assertThat(rowsSinceStart()).isZero();
		assertThat(TestChannels.SINK.received()).hasSize(sinkBefore);
	}

	@Test
	void methodThatIsNotATokenIsRefused400() {
		String answer = this.client.exchangeUntilClosed("FR(B /channels/echo/status/200 HTTP/1.1\r\nHost: x\r\n\r\n");

		assertThat(answer).startsWith("HTTP/1.1 400 ");
		assertThat(rowsSinceStart()).isZero();
	}

	// Bodies that do not match their Content-Length.

	@Test
	void bodyShorterThanContentLengthThenClientLeavingIsAnErrorWithTheBytesThatPassed() {
		UUID id;
		try (RawConnection connection = this.client.connect()) {
			connection.send("POST /channels/echo/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789");
			// The echo sink answers as it reads: its echo proves the ten bytes went
			// through.
			id = requestId(connection.readUntil("\r\n0123456789\r\n"));
		}

		Recorded outcome = this.recorded.awaitOutcome(id);
		assertThat(outcome.state()).isEqualTo("error");
		assertThat(outcome.event().get("type")).isEqualTo("error");
		assertThat(outcome.event().get("request_body_size")).isEqualTo(10L);
		assertThat(outcome.event().get("request_body_hash")).isEqualTo(TestBodies.sha256("0123456789".getBytes()));
		assertThat(outcome.event().get("response_status")).isEqualTo(200);
		assertThat(outcome.event().get("response_body_size")).isEqualTo(10L);
		assertThat((String) outcome.event().get("error_message"))
			.isEqualTo("client's request body ended after 10 of 100 declared bytes");
		assertThat(sinkReceivedWhole(id)).isFalse();
	}

	@Test
	void bodyShorterThanContentLengthWhileTheClientWaitsEndsAtTheResponseTimeoutWith504() {
		RawResponse response = this.client.exchangeThenClose(
				"POST /channels/slow/digest HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789");

		assertThat(response.head()).startsWith("HTTP/1.1 504 ");
		Recorded outcome = this.recorded.awaitOutcome(response.requestId());
		assertThat(outcome.state()).isEqualTo("timeout");
		assertThat(outcome.event().get("request_body_size")).isEqualTo(10L);
		assertThat((byte[]) outcome.event().get("request_body_preview")).isEqualTo("0123456789".getBytes());
		assertThat((String) outcome.event().get("error_message")).contains("response timeout");
		assertThat((Integer) outcome.event().get("latency_ms")).isBetween(500, 5000);
		assertThat(sinkReceivedWhole(response.requestId())).isFalse();
	}

	@Test
	void clientThatStallsMidBodyIsCutOffAfterTheReadTimeoutWithTheBytesThatPassed() {
		long started = System.nanoTime();

		// The echo sink answers as it reads, so only the read timeout can end this
		// exchange.
		String answer = this.client.exchangeUntilClosed(
				"POST /channels/echo/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789");

		Duration waited = Duration.ofNanos(System.nanoTime() - started);
		assertThat(waited).isBetween(Duration.ofMillis(TestChannels.CLIENT_READ_TIMEOUT_MILLIS),
				Duration.ofMillis(TestChannels.CLIENT_READ_TIMEOUT_MILLIS + 3000));
		Recorded outcome = this.recorded.awaitOutcome(requestId(answer));
		assertThat(outcome.state()).as(() -> answer + " / " + outcome.event()).isEqualTo("error");
		assertThat(outcome.event().get("type")).isEqualTo("error");
		assertThat(outcome.event().get("request_body_size")).isEqualTo(10L);
		assertThat(outcome.event().get("request_body_hash")).isEqualTo(TestBodies.sha256("0123456789".getBytes()));
		assertThat((String) outcome.event().get("error_message"))
			.isEqualTo("client's request body ended after 10 of 100 declared bytes");
		assertThat(sinkReceivedWhole(requestId(answer))).isFalse();
	}

	@Test
	void bodyLongerThanContentLengthIsRecordedAsDeclaredAndTheRestIsNoRequest() {
		// The five bytes after the declared five are the next request's line: not HTTP.
		String answer = this.client.exchangeUntilClosed(
				"POST /channels/echo/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n0123456789\r\n\r\n");

		assertThat(answer).startsWith("HTTP/1.1 200 ").endsWith("\r\n5\r\n01234\r\n0\r\n\r\n");
		UUID id = requestId(answer);
		Recorded outcome = this.recorded.awaitOutcome(id);
		assertThat(outcome.state()).isEqualTo("success");
		assertThat((byte[]) outcome.event().get("request_body_preview")).isEqualTo("01234".getBytes());
		assertThat(outcome.event().get("request_body_size")).isEqualTo(5L);
		assertThat(sinkReceived(id).bodySha256()).isEqualTo(TestBodies.sha256("01234".getBytes()));
		assertThat(rowsSinceStart()).isOne();
	}

	// Chunked bodies.

	@Test
	void malformedChunkSizeIsAnswered400AndTheSinkNeverGetsTheCutBodyAsWhole() {
		String answer = this.client.exchangeUntilClosed(
				"POST /channels/echo/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n");

		assertThat(answer).startsWith("HTTP/1.1 400 ");
		UUID id = awaitOnlyRowSinceStart();
		Recorded outcome = this.recorded.awaitOutcome(id);
		assertThat(outcome.state()).isEqualTo("error");
		assertThat(outcome.event().get("type")).isEqualTo("error");
		assertThat(outcome.event().get("request_body_size")).isEqualTo(0L);
		assertThat((String) outcome.event().get("error_message"))
			.startsWith("client sent a request body that is not valid HTTP");
		assertThat(sinkReceivedWhole(id)).isFalse();
	}

	@Test
	void clientLeavingMidChunkedBodyIsAnErrorWithTheBytesThatPassed() {
		UUID id;
		try (RawConnection connection = this.client.connect()) {
			connection.send(
					"POST /channels/echo/echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n");
			id = requestId(connection.readUntil("\r\nhello\r\n"));
		}

		Recorded outcome = this.recorded.awaitOutcome(id);
		assertThat(outcome.state()).isEqualTo("error");
		assertThat(outcome.event().get("type")).isEqualTo("error");
		assertThat(outcome.event().get("request_body_size")).isEqualTo(5L);
		assertThat(outcome.event().get("request_body_hash")).isEqualTo(TestBodies.sha256("hello".getBytes()));
		assertThat(outcome.event().get("response_body_size")).isEqualTo(5L);
		assertThat(sinkReceivedWhole(id)).isFalse();
	}

	@Test
	void clientLeavingMidResponseBodyIsAnErrorWithTheBytesRelayedSoFar() {
		int size = 20 * 1024 * 1024;
		UUID id;
		try (RawConnection connection = this.client.connect()) {
			connection.send("GET /channels/echo/bytes/" + size + " HTTP/1.1\r\nHost: x\r\n\r\n");
			id = requestId(connection.readAtLeast(64 * 1024));
		}

		Recorded outcome = this.recorded.awaitOutcome(id);
		assertThat(outcome.state()).isEqualTo("error");
		assertThat(outcome.event().get("type")).isEqualTo("error");
		assertThat(outcome.event().get("response_status")).isEqualTo(200);
		long relayed = (Long) outcome.event().get("response_body_size");
		assertThat(relayed).isBetween(64L * 1024 - 200, size - 1L);
		// The hash covers exactly the bytes relayed: the first `relayed` bytes of the
		// body.
		assertThat(outcome.event().get("response_body_hash"))
			.isEqualTo(TestBodies.sha256(TestBodies.bytes((int) relayed)));
		assertThat((String) outcome.event().get("error_message"))
			.contains("client closed the connection after " + relayed + " of " + size + " response bytes");
	}

	/**
	 * The two limits are Spring Boot's settings: lowered here, they apply as set.
	 */
	@Nested
	@TestPropertySource(
			properties = { "server.netty.max-initial-line-length=256B", "server.max-http-request-header-size=1KB" })
	class LoweredLimits {

		@LocalServerPort
		private int port;

		@Test
		void requestLineOverTheLoweredLimitIsAnswered414() {
			GatewayClient client = new GatewayClient(this.port);

			RawResponse within = client.exchangeThenClose(
					"GET " + requestTarget("/channels/echo/status/200?q=", 256) + " HTTP/1.1\r\nHost: x\r\n\r\n");
			String beyond = client.exchangeUntilClosed(
					"GET " + requestTarget("/channels/echo/status/200?q=", 257) + " HTTP/1.1\r\nHost: x\r\n\r\n");

			assertThat(within.head()).startsWith("HTTP/1.1 200 ");
			assertThat(BadInputIntegrationTests.this.recorded.awaitOutcome(within.requestId()).state())
				.isEqualTo("success");
			assertThat(beyond).startsWith("HTTP/1.1 414 ");
			assertThat(rowsSinceStart()).isOne();
		}

		@Test
		void headersOverTheLoweredLimitAreAnswered431() {
			GatewayClient client = new GatewayClient(this.port);

			RawResponse within = client.exchangeThenClose(
					"GET /channels/echo/status/200 HTTP/1.1\r\nHost: x\r\nX-Big: " + "v".repeat(900) + "\r\n\r\n");
			String beyond = client.exchangeUntilClosed(
					"GET /channels/echo/status/200 HTTP/1.1\r\nHost: x\r\nX-Big: " + "v".repeat(1100) + "\r\n\r\n");

			assertThat(within.head()).startsWith("HTTP/1.1 200 ");
			assertThat(BadInputIntegrationTests.this.recorded.awaitOutcome(within.requestId()).state())
				.isEqualTo("success");
			assertThat(beyond).startsWith("HTTP/1.1 431 ");
			assertThat(rowsSinceStart()).isOne();
		}

	}

	/**
	 * A request target that makes the request line {@code GET <target> HTTP/1.1} exactly
	 * {@code lineLength} long.
	 */
	private static String requestTarget(String prefix, int lineLength) {
		int padding = lineLength - "GET ".length() - " HTTP/1.1".length() - prefix.length();
		return prefix + "a".repeat(padding);
	}

	private static String manyHeaders(int count) {
		StringBuilder headers = new StringBuilder();
		for (int i = 0; i < count; i++) {
			headers.append("X-H").append(i).append(": value-").append(i).append("\r\n");
		}
		return headers.toString();
	}

	private long rowsSinceStart() {
		return this.recorded.jdbc()
			.sql("SELECT count(*) FROM channel_requests WHERE started_at >= ?")
			.param(Timestamp.from(this.started))
			.query(Long.class)
			.single();
	}

	private UUID awaitOnlyRowSinceStart() {
		return Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> {
			List<UUID> ids = this.recorded.jdbc()
				.sql("SELECT id FROM channel_requests WHERE started_at >= ?")
				.param(Timestamp.from(this.started))
				.query(UUID.class)
				.list();
			return (ids.size() == 1) ? ids.get(0) : null;
		}, (id) -> id != null);
	}

	private static UUID requestId(String head) {
		Matcher id = REQUEST_ID.matcher(head);
		assertThat(id.find()).as("X-Channel-Request-Id in %s", head).isTrue();
		return UUID.fromString(id.group(1));
	}

	private static TestSink.Received sinkReceived(UUID requestId) {
		return TestChannels.SINK.received()
			.stream()
			.filter((received) -> requestId.toString().equals(received.headers().get("x-channel-request-id")))
			.findFirst()
			.orElseThrow(() -> new AssertionError("sink never received " + requestId));
	}

	// The echo and digest sinks remember a request when they have read its body to the
	// end.
	private static boolean sinkReceivedWhole(UUID requestId) {
		return TestChannels.SINK.received()
			.stream()
			.anyMatch((received) -> requestId.toString().equals(received.headers().get("x-channel-request-id")));
	}

	private static String base64(String text) {
		return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.ISO_8859_1));
	}

	private static List<String> decoded(List<String> pair) {
		assertThat(pair).hasSize(3).endsWith("base64");
		return pair.subList(0, 2)
			.stream()
			.map((text) -> new String(Base64.getDecoder().decode(text), StandardCharsets.ISO_8859_1))
			.toList();
	}

	@SuppressWarnings("unchecked")
	private static List<List<String>> pairs(Object json) {
		return JSON.readValue((String) json, List.class);
	}

}
