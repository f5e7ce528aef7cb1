package dev.channels.gateway.access;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.channels.gateway.observer.Sha256;
import dev.channels.gateway.support.GatewayClient;
import dev.channels.gateway.support.GatewayClient.Response;
import dev.channels.gateway.support.RecordedRequests;
import dev.channels.gateway.support.RecordedRequests.Recorded;
import dev.channels.gateway.support.StandaloneGateway;
import dev.channels.gateway.support.TestChannels;
import dev.channels.gateway.support.TestDatabase;
import dev.channels.gateway.support.TestIdentityProvider;
import dev.channels.gateway.support.TestSink.Received;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Who may send through a channel and what its sink is sent, through a real gateway, a
 * real sink and a real authorization server (its JWK set and token endpoint over HTTP).
 */
@ExtendWith(OutputCaptureExtension.class)
class AccessIntegrationTests {

	private static final String KEY_A = "key-a-" + UUID.randomUUID();

	private static final String PASSWORD_B = "password-b-" + UUID.randomUUID();

	private static final String SINK_TOKEN = "sink-token-" + UUID.randomUUID();

	private static final String SINK_PASSWORD = "sink-password-" + UUID.randomUUID();

	private static final TestIdentityProvider IDP = TestIdentityProvider.start();

	private static final TestIdentityProvider FAILING_IDP = TestIdentityProvider.start();

	private static final TestIdentityProvider SHORT_LIVED_IDP = TestIdentityProvider.start();

	private static ConfigurableApplicationContext gateway;

	// NOT_RECORDING: a gateway that must fail to start records nothing. With recording
	// on,
	// the snapshot writes its start-up begins are cut off when the failed context closes
	// its pool, and r2dbc-postgresql leaks the parameters it had encoded for them
	// (pgjdbc/r2dbc-postgresql#580), which the leak check would report against a later
	// test class.

	private static GatewayClient client;

	private final RecordedRequests recorded = new RecordedRequests(TestDatabase.get());

	@BeforeAll
	static void startGateway() {
		Map<String, Object> settings = new HashMap<>();
		String encodedB = "{bcrypt}" + new BCryptPasswordEncoder().encode(PASSWORD_B);
		String keyA = sha256(KEY_A);
		channel(settings, 0, "keyed",
				Map.of("client-auth.api-keys[0].id", "partner-a", "client-auth.api-keys[0].sha256", keyA,
						"client-auth.api-keys[1].id", "partner-c", "client-auth.api-keys[1].sha256",
						sha256("another key"), "redacted-headers", "X-Session", "redacted-query-params", "token"));
		channel(settings, 1, "basic",
				Map.of("client-auth.basic[0].username", "partner-b", "client-auth.basic[0].password", encodedB));
		channel(settings, 2, "jwt",
				Map.of("client-auth.jwt.jwk-set-uri", IDP.jwkSetUri(), "client-auth.jwt.audiences", "channels"));
		channel(settings, 3, "multi",
				Map.of("client-auth.api-keys[0].id", "partner-a", "client-auth.api-keys[0].sha256", keyA,
						"client-auth.basic[0].username", "partner-b", "client-auth.basic[0].password", encodedB,
						"client-auth.jwt.issuer-uri", IDP.issuer()));
		channel(settings, 4, "forwarding", Map.of("client-auth.api-keys[0].id", "partner-a",
				"client-auth.api-keys[0].sha256", keyA, "forward-client-credentials", "true"));
		channel(settings, 5, "bearer-sink", Map.of("destination-auth.bearer", SINK_TOKEN));
		channel(settings, 6, "basic-sink",
				Map.of("destination-auth.basic.username", "svc", "destination-auth.basic.password", SINK_PASSWORD));
		channel(settings, 7, "oauth-sink", Map.of("destination-auth.oauth2-client", "payments"));
		channel(settings, 8, "oauth-refused", Map.of("destination-auth.oauth2-client", "wrong-secret"));
		channel(settings, 9, "oauth-failing", Map.of("destination-auth.oauth2-client", "failing"));
		channel(settings, 10, "oauth-short-lived", Map.of("destination-auth.oauth2-client", "short-lived"));
		channel(settings, 11, "jwt-keys-away", Map.of("client-auth.jwt.jwk-set-uri", "http://127.0.0.1:1/jwks"));
		channel(settings, 12, "noisy",
				Map.of("client-auth.api-keys[0].id", "partner-a", "client-auth.api-keys[0].sha256", keyA));
		registration(settings, "payments", IDP, TestIdentityProvider.CLIENT_SECRET);
		registration(settings, "short-lived", SHORT_LIVED_IDP, TestIdentityProvider.CLIENT_SECRET);
		// Shorter than the minute before expiry at which a token is fetched again.
		SHORT_LIVED_IDP.tokenLifetime(Duration.ofSeconds(30));
		registration(settings, "wrong-secret", IDP, "not-the-secret");
		registration(settings, "failing", FAILING_IDP, TestIdentityProvider.CLIENT_SECRET);
		FAILING_IDP.tokenEndpointAnswers(500);
		gateway = StandaloneGateway.start(settings);
		client = new GatewayClient(((WebServerApplicationContext) gateway).getWebServer().getPort());
	}

	@AfterAll
	static void stop() {
		gateway.close();
		IDP.close();
		FAILING_IDP.close();
		SHORT_LIVED_IDP.close();
	}

	@Test
	void aRightApiKeyIsAdmittedRecordedByItsIdAndNotSentToTheSink() {
		String path = "/x-" + UUID.randomUUID();

		Response response = client.send("POST", "/channels/keyed" + path, "hello".getBytes(StandardCharsets.UTF_8),
				"X-API-Key", KEY_A);

		assertThat(response.status()).isEqualTo(200);
		Recorded recorded = this.recorded.awaitOutcome(response.requestId());
		assertThat(recorded.request()).containsEntry("client_auth", "api-key:partner-a")
			.containsEntry("state", "success");
		assertThat(receivedAt(path).headers()).doesNotContainKey("x-api-key");
		// The record keeps the header as it arrived, redacted.
		assertThat(recorded.event().get("request_headers").toString()).contains("[REDACTED]").doesNotContain(KEY_A);
	}

	@Test
	void aWrongOrMissingApiKeyIs401WithAChallengeAndAReasonAndHasNoRecord() {
		long rowsBefore = rows("keyed");
		double wrongBefore = rejected("keyed", "invalid_api_key");

		Response wrong = client.get("/channels/keyed/wrong", "X-API-Key", "not-a-key");
		Response missing = client.get("/channels/keyed/missing");

		assertThat(wrong.status()).isEqualTo(401);
		assertThat(wrong.headers().allValues("WWW-Authenticate"))
			.containsExactly("ApiKey realm=\"keyed\", header=\"X-API-Key\"");
		assertThat(wrong.headers().firstValue("Content-Type"))
			.hasValueSatisfying((type) -> assertThat(type).startsWith("application/json"));
		assertThat(wrong.text()).contains("\"reason\":\"invalid_api_key\"", "\"channel\":\"keyed\"");
		assertThat(wrong.headers().firstValue("X-Channel-Request-Id")).isEmpty();
		assertThat(missing.status()).isEqualTo(401);
		assertThat(missing.text()).contains("\"reason\":\"missing_credentials\"");
		assertThat(rejected("keyed", "invalid_api_key")).isEqualTo(wrongBefore + 1);
		assertThat(rejected("keyed", "missing_credentials")).isGreaterThanOrEqualTo(1);
		assertThat(rows("keyed")).isEqualTo(rowsBefore);
		assertThat(TestChannels.SINK.received())
			.noneMatch((received) -> received.uri().startsWith("/wrong") || received.uri().startsWith("/missing"));
	}

	@Test
	void basicIsAdmittedWithTheRightPasswordOnlyAndTheSinkGetsNoAuthorization() {
		String path = "/b-" + UUID.randomUUID();

		Response right = client.get("/channels/basic" + path, "Authorization", basic("partner-b", PASSWORD_B));
		Response again = client.get("/channels/basic" + path, "Authorization", basic("partner-b", PASSWORD_B));
		Response wrong = client.get("/channels/basic/wrong", "Authorization", basic("partner-b", PASSWORD_B + "x"));
		Response unknown = client.get("/channels/basic/wrong", "Authorization", basic("nobody", PASSWORD_B));

		assertThat(right.status()).isEqualTo(200);
		assertThat(again.status()).isEqualTo(200);
		assertThat(this.recorded.awaitOutcome(right.requestId()).request()).containsEntry("client_auth",
				"basic:partner-b");
		assertThat(receivedAt(path).headers()).doesNotContainKey("authorization");
		assertThat(wrong.status()).isEqualTo(401);
		assertThat(wrong.headers().allValues("WWW-Authenticate"))
			.containsExactly("Basic realm=\"basic\", charset=\"UTF-8\"");
		assertThat(wrong.text()).contains("\"reason\":\"invalid_basic\"");
		assertThat(unknown.status()).isEqualTo(401);
	}

	@Test
	void aJwtSignedByTheIssuersKeyForTheAudienceIsAdmittedAsItsSubject() {
		String token = IDP.jwt("service-7", List.of("channels"), Instant.now().plusSeconds(300), Map.of());

		Response response = client.get("/channels/jwt/ok", "Authorization", "Bearer " + token);

		assertThat(response.status()).isEqualTo(200);
		assertThat(this.recorded.awaitOutcome(response.requestId()).request()).containsEntry("client_auth",
				"jwt:service-7");
	}

	@Test
	void anExpiredForeignOrMisaddressedJwtIs401InvalidToken() {
		String expired = IDP.jwt("service-7", List.of("channels"), Instant.now().minusSeconds(600), Map.of());
		String foreign = IDP.jwtSignedByAnotherKey("service-7", List.of("channels"));
		String elsewhere = IDP.jwt("service-7", List.of("billing"), Instant.now().plusSeconds(300), Map.of());

		for (String token : List.of(expired, foreign, elsewhere, "not.a.jwt")) {
			Response response = client.get("/channels/jwt/refused", "Authorization", "Bearer " + token);

			assertThat(response.status()).as(token).isEqualTo(401);
			assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow())
				.startsWith("Bearer realm=\"jwt\", error=\"invalid_token\"");
			assertThat(response.text()).contains("\"reason\":\"invalid_jwt\"");
		}
	}

	@Test
	void onAChannelWithSeveralMethodsAnyOneThatMatchesAdmits() {
		String token = IDP.jwt("service-9", List.of("anyone"), Instant.now().plusSeconds(300), Map.of());

		Response byKey = client.get("/channels/multi/k", "X-API-Key", KEY_A);
		Response byBasicDespiteAWrongKey = client.get("/channels/multi/b", "X-API-Key", "wrong", "Authorization",
				basic("partner-b", PASSWORD_B));
		Response byIssuerJwt = client.get("/channels/multi/j", "Authorization", "Bearer " + token);
		Response wrongBoth = client.get("/channels/multi/w", "X-API-Key", "wrong", "Authorization",
				basic("partner-b", "wrong"));

		assertThat(this.recorded.awaitOutcome(byKey.requestId()).request()).containsEntry("client_auth",
				"api-key:partner-a");
		assertThat(this.recorded.awaitOutcome(byBasicDespiteAWrongKey.requestId()).request())
			.containsEntry("client_auth", "basic:partner-b");
		assertThat(this.recorded.awaitOutcome(byIssuerJwt.requestId()).request()).containsEntry("client_auth",
				"jwt:service-9");
		assertThat(wrongBoth.status()).isEqualTo(401);
		assertThat(wrongBoth.headers().allValues("WWW-Authenticate")).hasSize(3);
		// The first method presented is the reason given.
		assertThat(wrongBoth.text()).contains("\"reason\":\"invalid_api_key\"");
	}

	@Test
	void aChannelThatForwardsClientCredentialsSendsTheKeyOn() {
		String path = "/f-" + UUID.randomUUID();

		Response response = client.get("/channels/forwarding" + path, "X-API-Key", KEY_A);

		assertThat(response.status()).isEqualTo(200);
		assertThat(receivedAt(path).headers()).containsEntry("x-api-key", KEY_A);
	}

	@Test
	void aConfiguredBearerOrBasicReplacesWhatTheClientSentAndIsNotRecorded() {
		String bearerPath = "/t-" + UUID.randomUUID();
		String basicPath = "/p-" + UUID.randomUUID();

		Response bearer = client.get("/channels/bearer-sink" + bearerPath, "Authorization", "Bearer client-own");
		Response basic = client.get("/channels/basic-sink" + basicPath);

		assertThat(bearer.status()).isEqualTo(200);
		assertThat(receivedAt(bearerPath).headers()).containsEntry("authorization", "Bearer " + SINK_TOKEN);
		assertThat(receivedAt(basicPath).headers()).containsEntry("authorization", basic("svc", SINK_PASSWORD));
		Recorded recorded = this.recorded.awaitOutcome(bearer.requestId());
		assertThat(recorded.event().get("request_headers").toString()).doesNotContain("client-own");
		this.recorded.awaitOutcome(basic.requestId());
	}

	@Test
	void anOAuth2ClientTokenIsFetchedOnceReusedAndSentToTheSink() {
		String first = "/o-" + UUID.randomUUID();
		String second = "/o-" + UUID.randomUUID();
		int issuedBefore = IDP.tokensIssued();

		Response one = client.get("/channels/oauth-sink" + first);
		Response two = client.get("/channels/oauth-sink" + second);

		assertThat(one.status()).isEqualTo(200);
		assertThat(two.status()).isEqualTo(200);
		String sent = receivedAt(first).headers().get("authorization");
		assertThat(sent).startsWith("Bearer ey");
		assertThat(receivedAt(second).headers()).containsEntry("authorization", sent);
		assertThat(IDP.tokensIssued() - issuedBefore).isLessThanOrEqualTo(1);
		assertThat(IDP.tokensIssued()).isGreaterThanOrEqualTo(1);
	}

	@Test
	void aTokenEndpointThatRefusesOrFailsIs502RecordedAsAnErrorAndNothingReachesTheSink() {
		for (String channel : List.of("oauth-refused", "oauth-failing")) {
			String path = "/n-" + UUID.randomUUID();

			Response response = client.send("POST", "/channels/" + channel + path,
					"body".getBytes(StandardCharsets.UTF_8));

			assertThat(response.status()).as(channel).isEqualTo(502);
			Recorded recorded = this.recorded.awaitOutcome(response.requestId());
			assertThat(recorded.state()).isEqualTo("error");
			assertThat(recorded.event().get("error_message").toString())
				.contains("the sink's credentials could not be had from oauth2-client");
			assertThat(recorded.event().get("request_body_size")).isEqualTo(4L);
			assertThat(TestChannels.SINK.received()).noneMatch((received) -> received.uri().equals("/echo" + path));
		}
	}

	@Test
	void aTokenAboutToExpireIsFetchedAgainBeforeTheNextRequest() {
		String first = "/r-" + UUID.randomUUID();
		String second = "/r-" + UUID.randomUUID();
		int issuedBefore = SHORT_LIVED_IDP.tokensIssued();

		assertThat(client.get("/channels/oauth-short-lived" + first).status()).isEqualTo(200);
		assertThat(client.get("/channels/oauth-short-lived" + second).status()).isEqualTo(200);

		assertThat(SHORT_LIVED_IDP.tokensIssued() - issuedBefore).isEqualTo(2);
		assertThat(receivedAt(second).headers().get("authorization")).startsWith("Bearer ey")
			.isNotEqualTo(receivedAt(first).headers().get("authorization"));
	}

	@Test
	void aTokenWhoseKeysCannotBeFetchedIs503NotForwarded() {
		String token = IDP.jwt("service-7", List.of("channels"), Instant.now().plusSeconds(300), Map.of());

		Response response = client.get("/channels/jwt-keys-away/x", "Authorization", "Bearer " + token);

		assertThat(response.status()).isEqualTo(503);
		assertThat(response.text()).contains("\"reason\":\"jwt_unverifiable\"");
		assertThat(response.headers().firstValue("X-Channel-Request-Id")).isEmpty();
	}

	@Test
	void refusalsAreLoggedAtABoundedRate(CapturedOutput output) {
		for (int i = 0; i < 5; i++) {
			assertThat(client.get("/channels/noisy/x", "X-API-Key", "wrong-" + i).status()).isEqualTo(401);
		}

		assertThat(output.getAll().lines().filter((line) -> line.contains("Channel noisy refused a client")))
			.hasSize(1);
		assertThat(rejected("noisy", "invalid_api_key")).isEqualTo(5);
	}

	@Test
	void noCredentialReachesTheDatabaseOrTheLog(CapturedOutput output) {
		String token = IDP.jwt("service-3", List.of("channels"), Instant.now().plusSeconds(300), Map.of());
		String session = "session-" + UUID.randomUUID();
		String queryToken = "query-token-" + UUID.randomUUID();
		String password = "body-password-" + UUID.randomUUID();
		List<Response> responses = List.of(client.get("/channels/keyed/s", "X-API-Key", KEY_A),
				client.send("POST", "/channels/keyed/s?token=" + queryToken,
						("{\"user\": \"ann\", \"login\": {\"password\": \"" + password + "\"}}")
							.getBytes(StandardCharsets.UTF_8),
						"X-API-Key", KEY_A, "X-Session", session, "Content-Type", "application/json"),
				client.get("/channels/basic/s", "Authorization", basic("partner-b", PASSWORD_B)),
				client.get("/channels/jwt/s", "Authorization", "Bearer " + token),
				client.get("/channels/bearer-sink/s"), client.get("/channels/basic-sink/s"),
				client.get("/channels/oauth-sink/s"), client.get("/channels/keyed/s", "X-API-Key", KEY_A + "x"));
		responses.stream()
			.filter((response) -> response.status() == 200)
			.forEach((response) -> this.recorded.awaitOutcome(response.requestId()));
		String sinkToken = TestChannels.SINK.received()
			.stream()
			.filter((received) -> received.uri().equals("/echo/s") && received.headers().containsKey("authorization")
					&& received.headers().get("authorization").startsWith("Bearer ey"))
			.map((received) -> received.headers().get("authorization").substring(7))
			.findFirst()
			.orElseThrow();

		String dump = this.recorded.dumpAsText();

		assertThat(dump).contains("api-key:partner-a", "basic:partner-b", "jwt:service-3");
		assertThat(dump).contains("\"password\": \"[REDACTED]\"");
		for (String secret : List.of(KEY_A, PASSWORD_B, token, SINK_TOKEN, SINK_PASSWORD, sinkToken, session,
				queryToken, password, TestIdentityProvider.CLIENT_SECRET, base64("partner-b:" + PASSWORD_B),
				base64("svc:" + SINK_PASSWORD), sha256(KEY_A))) {
			assertThat(dump).doesNotContain(secret);
			assertThat(output.getAll()).doesNotContain(secret);
		}
	}

	@Test
	void requiringClientAuthRefusesToStartWithAnOpenChannel() {
		Map<String, Object> settings = new HashMap<>();
		channel(settings, 0, "open", Map.of());
		settings.put("channels.access.require-client-auth", "true");
		settings.put("channels.recording.enabled", "false"); // see NOT_RECORDING

		assertThatThrownBy(() -> StandaloneGateway.start(settings).close()).hasStackTraceContaining(
				"Channel 'open' has invalid metadata: it has no client-auth, and channels.access.require-client-auth");
	}

	@ParameterizedTest
	@CsvSource(delimiter = '|',
			textBlock = """
							client-auth.api-keys[0].id=a;client-auth.api-keys[0].sha256=abc | api key 'a': sha256 must be the 64 hex digits
							client-auth.basic[0].username=b;client-auth.basic[0].password=plain | password of 'b' must be encoded
					client-auth.basic[0].username=b;client-auth.basic[0].password={rot13}nop | password of 'b' must be encoded
							client-auth.jwt.audiences=x | client-auth.jwt needs exactly one of issuer-uri and jwk-set-uri
							destination-auth.oauth2-client=nowhere | destination-auth.oauth2-client 'nowhere' names no registration
							destination-auth.digest=x | destination-auth.digest is not a method
							""")
	void accessMetadataThatCannotBeUsedStopsTheStartWithTheChannelAndTheReason(String metadata, String reason) {
		Map<String, String> values = new HashMap<>();
		for (String pair : metadata.split(";")) {
			values.put(pair.substring(0, pair.indexOf('=')), pair.substring(pair.indexOf('=') + 1));
		}
		Map<String, Object> settings = new HashMap<>();
		channel(settings, 0, "bad", values);
		settings.put("channels.recording.enabled", "false"); // see NOT_RECORDING

		assertThatThrownBy(() -> StandaloneGateway.start(settings).close())
			.hasStackTraceContaining("Channel 'bad' has invalid metadata: ")
			.hasStackTraceContaining(reason);
	}

	private static void channel(Map<String, Object> settings, int index, String id, Map<String, String> metadata) {
		String route = "spring.cloud.gateway.server.webflux.routes[" + index + "].";
		settings.put(route + "id", id);
		settings.put(route + "uri", TestChannels.SINK.url());
		settings.put(route + "predicates[0]", "Path=/channels/" + id + "/**");
		settings.put(route + "filters[0]", "StripPrefix=2");
		// The test sink echoes what arrives below /echo.
		settings.put(route + "filters[1]", "PrefixPath=/echo");
		metadata.forEach((name, value) -> settings.put(route + "metadata." + name, value));
	}

	private static void registration(Map<String, Object> settings, String id, TestIdentityProvider idp, String secret) {
		String registration = "spring.security.oauth2.client.registration." + id + ".";
		settings.put(registration + "client-id", TestIdentityProvider.CLIENT_ID);
		settings.put(registration + "client-secret", secret);
		settings.put(registration + "authorization-grant-type", "client_credentials");
		settings.put(registration + "provider", id);
		settings.put("spring.security.oauth2.client.provider." + id + ".token-uri", idp.tokenUri());
	}

	private long rows(String channel) {
		return this.recorded.jdbc()
			.sql("SELECT count(*) FROM channel_requests WHERE channel_id = ?")
			.param(channel)
			.query(Long.class)
			.single();
	}

	private double rejected(String channel, String reason) {
		var counter = gateway.getBean(MeterRegistry.class)
			.find(ClientAuthenticationFilter.REJECTED_METER)
			.tags("channel", channel, "reason", reason)
			.counter();
		return (counter != null) ? counter.count() : 0;
	}

	private static Received receivedAt(String path) {
		return TestChannels.SINK.received()
			.stream()
			.filter((received) -> received.uri().equals("/echo" + path))
			.findFirst()
			.orElseThrow(() -> new AssertionError("the sink received nothing at " + path));
	}

	private static String basic(String username, String password) {
		return "Basic " + base64(username + ":" + password);
	}

	private static String base64(String text) {
		return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
	}

	private static String sha256(String key) {
		return HexFormat.of().formatHex(Sha256.of(key.getBytes(StandardCharsets.UTF_8)));
	}

}
