package dev.channels.gateway.history;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.channels.gateway.support.GatewayClient;
import dev.channels.gateway.support.GatewayClient.Response;
import dev.channels.gateway.support.StandaloneGateway;
import dev.channels.gateway.support.TestReaders;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Readers with bearer JWTs, checked against a real JWK set endpoint (a reactor-netty
 * server in the test, serving the public half of an RSA key the test signs with), on a
 * gateway of its own that has no Basic reader and protects prometheus.
 */
@ExtendWith(OutputCaptureExtension.class)
class HistoryJwtIntegrationTests {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private static final String ISSUER = "https://issuer.test";

	private static RSAKey key;

	private static DisposableServer jwks;

	private static ConfigurableApplicationContext gateway;

	private static GatewayClient management;

	private final HistoryRows rows = new HistoryRows();

	@BeforeAll
	static void start() throws JOSEException {
		key = new RSAKeyGenerator(2048).keyID("history-test").generate();
		String keys = new JWKSet(key.toPublicJWK()).toString();
		jwks = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.route((routes) -> routes.get("/jwks",
					(request, response) -> response.header("Content-Type", "application/json")
						.sendString(reactor.core.publisher.Mono.just(keys))))
			.bindNow();
		gateway = StandaloneGateway.start(Map.of("spring.security.oauth2.resourceserver.jwt.jwk-set-uri",
				"http://127.0.0.1:" + jwks.port() + "/jwks", "spring.security.oauth2.resourceserver.jwt.issuer-uri",
				ISSUER, "channels.history.protect-prometheus", true));
		management = new GatewayClient(
				Integer.parseInt(gateway.getEnvironment().getRequiredProperty("local.management.port")));
	}

	@AfterAll
	static void stop() {
		if (gateway != null) {
			gateway.close();
		}
		if (jwks != null) {
			jwks.disposeNow();
		}
	}

	@Test
	void aTokenThatListsOneChannelSeesThatChannelOnly(CapturedOutput output) throws JOSEException {
		String mine = HistoryRows.channel("jwt-mine");
		String theirs = HistoryRows.channel("jwt-theirs");
		Instant start = HistoryRows.window();
		UUID own = this.rows.insert(mine, "success", start, 200, 5);
		UUID other = this.rows.insert(theirs, "success", start.plusSeconds(1), 200, 5);
		String token = token(key, "alice", List.of(mine), Instant.now().plusSeconds(300));
		String window = "from=" + start + "&to=" + start.plusSeconds(60);

		Response list = get("/history/api/requests?" + window, token);
		Response detail = get("/history/api/requests/" + own, token);
		Response denied = get("/history/api/requests/" + other, token);
		Response summary = get("/history/api/channels/" + theirs + "/summary?" + window, token);

		assertThat(ids(json(list))).containsExactly(own);
		assertThat(detail.status()).isEqualTo(200);
		assertThat(denied.status()).isEqualTo(404);
		assertThat(summary.status()).isEqualTo(404);
		assertThat(output.getOut()).contains("reader=jwt:alice request=" + own + " channel=" + mine + " at=");
	}

	@Test
	void theClaimCanBeASpaceOrCommaSeparatedStringOrAStar() throws JOSEException {
		String a = HistoryRows.channel("jwt-a");
		String b = HistoryRows.channel("jwt-b");
		String c = HistoryRows.channel("jwt-c");
		Instant start = HistoryRows.window();
		UUID inA = this.rows.insert(a, "success", start, 200, 5);
		UUID inB = this.rows.insert(b, "success", start.plusSeconds(1), 200, 5);
		UUID inC = this.rows.insert(c, "success", start.plusSeconds(2), 200, 5);
		String window = "/history/api/requests?from=" + start + "&to=" + start.plusSeconds(60);
		Instant later = Instant.now().plusSeconds(300);

		List<UUID> twoOfThem = ids(json(get(window, token(key, "bob", a + ", " + b, later))));
		List<UUID> all = ids(json(get(window, token(key, "carol", List.of("*"), later))));
		List<UUID> none = ids(json(get(window, token(key, "dave", null, later))));

		assertThat(twoOfThem).containsExactly(inB, inA);
		assertThat(all).containsExactly(inC, inB, inA);
		assertThat(none).isEmpty();
	}

	@Test
	void anExpiredTokenATokenOfAnotherKeyOrAnotherIssuerIs401() throws JOSEException {
		RSAKey stranger = new RSAKeyGenerator(2048).keyID("history-test").generate();

		Response expired = get("/history/api/requests",
				token(key, "eve", List.of("*"), Instant.now().minusSeconds(600)));
		Response forged = get("/history/api/requests",
				token(stranger, "eve", List.of("*"), Instant.now().plusSeconds(300)));
		Response elsewhere = get("/history/api/requests",
				token(key, "eve", List.of("*"), Instant.now().plusSeconds(300), "https://elsewhere.test"));
		Response garbage = get("/history/api/requests", "not-a-jwt");

		for (Response response : List.of(expired, forged, elsewhere, garbage)) {
			assertThat(response.status()).isEqualTo(401);
			assertThat(response.headers().firstValue("WWW-Authenticate"))
				.hasValueSatisfying((challenge) -> assertThat(challenge).startsWith("Bearer"));
		}
	}

	@Test
	void prometheusNeedsAReaderWhenProtectedWhileTheProbesStayOpen() throws JOSEException {
		String token = token(key, "grafana", null, Instant.now().plusSeconds(300));

		assertThat(management.get("/actuator/prometheus").status()).isEqualTo(401);
		assertThat(get("/actuator/prometheus", token).status()).isEqualTo(200);
		assertThat(management.get("/actuator/health/liveness").status()).isEqualTo(200);
		assertThat(management.get("/actuator/health/readiness").status()).isEqualTo(200);
		assertThat(management.get("/actuator/info").status()).isEqualTo(200);
	}

	@Test
	void withoutBasicReadersBasicCredentialsAreRefused() {
		Response response = management.get("/history/api/requests", "Authorization",
				GatewayClient.basic(TestReaders.READER, TestReaders.READER_PASSWORD));

		assertThat(response.status()).isEqualTo(401);
		assertThat(management.get("/history/api/requests").status()).isEqualTo(401);
	}

	private static Response get(String path, String token) {
		return management.get(path, "Authorization", "Bearer " + token);
	}

	private static String token(RSAKey signer, String subject, Object channels, Instant expires) throws JOSEException {
		return token(signer, subject, channels, expires, ISSUER);
	}

	private static String token(RSAKey signer, String subject, Object channels, Instant expires, String issuer)
			throws JOSEException {
		JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder().subject(subject)
			.issuer(issuer)
			.issueTime(Date.from(expires.minusSeconds(900)))
			.expirationTime(Date.from(expires));
		if (channels != null) {
			claims.claim("channels", channels);
		}
		SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(signer.getKeyID()).build(),
				claims.build());
		jwt.sign(new RSASSASigner(signer));
		return jwt.serialize();
	}

	private static JsonNode json(Response response) {
		assertThat(response.status()).as(response.text()).isEqualTo(200);
		return JSON.readTree(response.body());
	}

	private static List<UUID> ids(JsonNode page) {
		List<UUID> ids = new ArrayList<>();
		page.get("requests").forEach((item) -> ids.add(UUID.fromString(item.get("id").asString())));
		return ids;
	}

}
