package dev.channels.gateway.observer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.channels.gateway.observer.ExchangeOutcome.Kind;
import dev.channels.gateway.observer.RecordingTestObserver.Finished;
import dev.channels.gateway.observer.RecordingTestObserver.Observed;
import dev.channels.gateway.support.GatewayClient;
import dev.channels.gateway.support.GatewayClient.RawResponse;
import dev.channels.gateway.support.GatewayClient.Response;
import dev.channels.gateway.support.TestBodies;
import dev.channels.gateway.support.TestChannels;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The observer engine through a real gateway, real sinks and real HTTP, with an observer
 * that only remembers its callbacks: no database is involved.
 */
@SpringBootTest(classes = ObservingFilterIntegrationTests.EngineApplication.class,
		webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = "management.endpoint.health.group.readiness.include=readinessState")
class ObservingFilterIntegrationTests {

	private static final int PREVIEW = 64 * 1024;

	@LocalServerPort
	private int port;

	@Autowired
	private RecordingTestObserver observer;

	private GatewayClient client;

	@DynamicPropertySource
	static void channels(DynamicPropertyRegistry registry) {
		TestChannels.register(registry);
	}

	@BeforeEach
	void setUp() {
		this.client = new GatewayClient(this.port);
	}

	@ParameterizedTest(name = "{0} bytes")
	@ValueSource(ints = { 0, 1, PREVIEW, PREVIEW + 1, 3 * 1024 * 1024 + 5 })
	void deliveredExchangeReportsBothBodiesWhole(int size) {
		byte[] body = TestBodies.bytes(size);

		Response response = this.client.send("POST", "/channels/echo/echo", body);

		Finished finished = this.observer.awaitFinished(response.requestId()).finish();
		ExchangeOutcome outcome = finished.outcome();
		assertThat(outcome.kind()).isEqualTo(Kind.DELIVERED);
		assertThat(outcome.failure()).isNull();
		byte[] preview = Arrays.copyOf(body, Math.min(size, PREVIEW));
		assertThat(outcome.requestBody().size()).isEqualTo(size);
		assertThat(outcome.requestBody().sha256()).isEqualTo(TestBodies.sha256(body));
		assertThat(outcome.requestBody().preview()).isEqualTo(preview);
		assertThat(outcome.requestBody().truncated()).isEqualTo(size > PREVIEW);
		assertThat(outcome.responseBody()).isNotNull();
		assertThat(outcome.responseBody().size()).isEqualTo(size);
		assertThat(outcome.responseBody().sha256()).isEqualTo(TestBodies.sha256(response.body()));
		assertThat(outcome.responseBody().preview()).isEqualTo(preview);
		assertThat(outcome.clientStatus()).isEqualTo(200);
	}

	@Test
	void stateIsThreadedFromAdmissionThroughResponseToFinish() {
		Response response = this.client.get("/channels/echo/status/201");

		Observed observed = this.observer.awaitFinished(response.requestId());
		assertThat(observed.finish().state()).isEqualTo("admitted " + response.requestId() + " > response");
		assertThat(observed.responses).hasSize(1);
		ResponseStart start = observed.responses.get(0);
		assertThat(start.status()).isEqualTo(201);
		assertThat(start.headers()).contains(new Header("content-length", "10"));
		assertThat(start.timeToFirstByte()).isPositive().isLessThanOrEqualTo(observed.finish().outcome().latency());
	}

	@Test
	void requestIsCapturedAsItArrivedBeforeRouteFiltersChangeIt() {
		RawResponse response = this.client.exchangeThenClose("""
				GET /channels/echo/status/200?b=%20&a=1 HTTP/1.1\r
				Host: localhost\r
				X-B: 1\r
				x-a: 2\r
				X-B: 3\r
				X-Forwarded-For: 198.51.100.4\r
				\r
				""");

		RequestStart request = this.observer.awaitFinished(response.requestId()).request;
		assertThat(request.channelId()).isEqualTo("echo");
		assertThat(request.method()).isEqualTo("GET");
		assertThat(request.path()).isEqualTo("/channels/echo/status/200");
		assertThat(request.query()).isEqualTo("b=%20&a=1");
		assertThat(request.headers()).containsSubsequence(new Header("X-B", "1"), new Header("x-a", "2"),
				new Header("X-B", "3"));
		assertThat(request.clientIdentity()).isEqualTo("198.51.100.4");
		assertThat(request.headers()).noneMatch((header) -> header.name().equalsIgnoreCase("X-Channel-Request-Id"));
		assertThat(sinkSawRequestId(response.requestId())).isTrue();
	}

	@Test
	void absoluteFormTargetIsRecordedByItsPath() {
		RawResponse response = this.client
			.exchangeThenClose("GET http://localhost/channels/echo/status/200?q=1 HTTP/1.1\r\nHost: localhost\r\n\r\n");

		RequestStart request = this.observer.awaitFinished(response.requestId()).request;
		assertThat(request.path()).isEqualTo("/channels/echo/status/200");
		assertThat(request.query()).isEqualTo("q=1");
	}

	@Test
	void streamedResponseIsTappedThroughWriteAndFlushWith() {
		Response response = this.client.get("/channels/echo/sse");

		String expected = IntStream.range(0, 5)
			.mapToObj((i) -> "data: event " + i + "\n\n")
			.collect(Collectors.joining());
		assertThat(response.text()).isEqualTo(expected);
		ExchangeOutcome outcome = this.observer.awaitFinished(response.requestId()).finish().outcome();
		assertThat(outcome.kind()).isEqualTo(Kind.DELIVERED);
		assertThat(outcome.responseBody().preview()).isEqualTo(expected.getBytes(StandardCharsets.UTF_8));
		assertThat(outcome.responseBody().sha256()).isEqualTo(TestBodies.sha256(response.body()));
	}

	@Test
	void rejectedExchangeIsAnsweredByTheObserverAndNeverForwarded() {
		int sinkBefore = TestChannels.SINK.received().size();

		Response response = this.client.send("POST", "/channels/unrecordable/echo", "abc".getBytes());

		assertThat(response.status()).isEqualTo(429);
		assertThat(response.text()).isEqualTo(RecordingTestObserver.REJECTION);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
		List<Observed> rejected = this.observer.withPath("/channels/unrecordable/");
		Awaitility.await().until(() -> rejected.stream().allMatch((o) -> !o.finished.isEmpty()));
		assertThat(rejected).isNotEmpty().allSatisfy((observed) -> {
			assertThat(observed.finish().outcome().kind()).isEqualTo(Kind.REJECTED);
			assertThat(observed.finish().state()).startsWith("rejected");
			assertThat(observed.responses).isEmpty();
		});
		assertThat(TestChannels.SINK.received().subList(sinkBefore, TestChannels.SINK.received().size()))
			.noneMatch((received) -> received.bodySize() == 3);
	}

	@Test
	void slowSinkTimesOutWith504() {
		Response response = this.client.get("/channels/slow/slow/3000");

		assertThat(response.status()).isEqualTo(504);
		Observed observed = this.observer.awaitFinished(response.requestId());
		assertThat(observed.finish().outcome().kind()).isEqualTo(Kind.TIMED_OUT);
		assertThat(observed.finish().outcome().clientStatus()).isEqualTo(504);
		assertThat(observed.finish().outcome().responseBody()).isNull();
		assertThat(observed.responses).isEmpty();
	}

	@Test
	void sinkThatCannotBeConnectedTimesOutWith504() {
		Response response = this.client.get("/channels/blackhole/x");

		assertThat(response.status()).isEqualTo(504);
		ExchangeOutcome outcome = this.observer.awaitFinished(response.requestId()).finish().outcome();
		assertThat(outcome.kind()).isEqualTo(Kind.TIMED_OUT);
		assertThat(outcome.failure()).contains("connecting to the sink timed out");
	}

	@Test
	void refusingSinkIsABadGatewayAndTheUnsentBodyIsStillRead() {
		byte[] body = TestBodies.bytes(70_000);

		Response response = this.client.send("PUT", "/channels/refused/r", body);

		assertThat(response.status()).isEqualTo(502);
		ExchangeOutcome outcome = this.observer.awaitFinished(response.requestId()).finish().outcome();
		assertThat(outcome.kind()).isEqualTo(Kind.SINK_FAILED);
		assertThat(outcome.failure()).contains("refused");
		assertThat(outcome.sinkUrl()).hasPath("/r");
		assertThat(outcome.requestBody().sha256()).isEqualTo(TestBodies.sha256(body));
	}

	@Test
	void sinkDyingMidBodyFailsAfterItsAnswerWasReported() {
		RawResponse response = this.client.readUntilClosed("/channels/dying/d");

		// Whatever the client got before the connection closed is a prefix of what the
		// sink sent.
		assertThat(response.body().length).isLessThanOrEqualTo(TestChannels.DYING_BODY_BYTES);
		assertThat(response.body()).isEqualTo(TestBodies.bytes(response.body().length));
		assertThat(response.head()).startsWith("HTTP/1.1 200");
		Observed observed = this.observer.awaitFinished(response.requestId());
		assertThat(observed.responses).singleElement().satisfies((start) -> assertThat(start.status()).isEqualTo(200));
		ExchangeOutcome outcome = observed.finish().outcome();
		assertThat(outcome.kind()).isEqualTo(Kind.SINK_FAILED);
		assertThat(outcome.responseBody().size()).isEqualTo(TestChannels.DYING_BODY_BYTES);
		assertThat(outcome.failure()).contains("after " + TestChannels.DYING_BODY_BYTES + " bytes");
	}

	@Test
	void clientLeavingMidBodyIsReportedOnce() {
		this.client.readThenClose("/channels/echo/drip/100", 3000);

		Awaitility.await().until(() -> !this.observer.withPath("/drip/100").isEmpty());
		Observed observed = this.observer.withPath("/drip/100").get(0);
		ExchangeOutcome outcome = this.observer.awaitFinished(observed.request.id()).finish().outcome();
		assertThat(outcome.kind()).isEqualTo(Kind.CLIENT_ABORTED);
		assertThat(outcome.failure()).contains("of 102400 response bytes");
	}

	@Test
	void clientClosingRightAfterTheLastByteGotItAll() {
		RawResponse response = this.client
			.exchangeThenClose("GET /channels/echo/bytes/500000 HTTP/1.1\r\nHost: localhost\r\n\r\n");

		assertThat(response.body()).isEqualTo(TestBodies.bytes(500_000));
		assertThat(this.observer.awaitFinished(response.requestId()).finish().outcome().kind())
			.isEqualTo(Kind.DELIVERED);
	}

	@Test
	void clientLeavingBeforeAdmissionStillFinishesTheExchangeOnceAndForwardsNothing() {
		int sinkBefore = TestChannels.SINK.received().size();

		this.client.readThenClose("/channels/echo/delay-admission", 0);

		Awaitility.await().until(() -> !this.observer.withPath("delay-admission").isEmpty());
		Observed observed = this.observer.withPath("delay-admission").get(0);
		ExchangeOutcome outcome = this.observer.awaitFinished(observed.request.id()).finish().outcome();
		assertThat(outcome.kind()).isEqualTo(Kind.CLIENT_ABORTED);
		assertThat(TestChannels.SINK.received().subList(sinkBefore, TestChannels.SINK.received().size()))
			.noneMatch((received) -> received.uri().contains("delay-admission"));
	}

	@Test
	void requestsOutsideEveryChannelAreNotObserved() {
		Response response = this.client.get("/elsewhere/x");

		assertThat(response.status()).isEqualTo(404);
		assertThat(this.observer.withPath("/elsewhere")).isEmpty();
	}

	private boolean sinkSawRequestId(UUID id) {
		return TestChannels.SINK.received()
			.stream()
			.anyMatch((received) -> id.toString().equals(received.headers().get("x-channel-request-id")));
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	// As ChannelsApplication, without Spring Boot's web security on the gateway port.
	@EnableAutoConfiguration(excludeName = { "org.springframework.boot.r2dbc.autoconfigure.R2dbcAutoConfiguration",
			"org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration",
			"org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
			"org.springframework.boot.security.autoconfigure.web.reactive.ReactiveWebSecurityAutoConfiguration",
			"org.springframework.boot.security.autoconfigure.actuate.web.reactive.ReactiveManagementWebSecurityAutoConfiguration",
			"org.springframework.boot.security.autoconfigure.ReactiveUserDetailsServiceAutoConfiguration",
			"org.springframework.boot.security.oauth2.client.autoconfigure.reactive.ReactiveOAuth2ClientWebSecurityAutoConfiguration",
			"org.springframework.boot.security.oauth2.server.resource.autoconfigure.reactive.ReactiveOAuth2ResourceServerAutoConfiguration" })
	static class EngineApplication {

		@Bean
		RecordingTestObserver recordingTestObserver() {
			return new RecordingTestObserver();
		}

		@Bean
		ObservingFilter<String> observingFilter(RecordingTestObserver observer) {
			return new ObservingFilter<>(observer, (route) -> PREVIEW, Long.MAX_VALUE, "127.0.0.1"::equals);
		}

	}

}
