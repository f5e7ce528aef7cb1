package dev.channels.gateway.support;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * An OAuth2 authorization server over real HTTP, for the access tests: a JWK set of one
 * RSA key ({@code /jwks}), an OpenID discovery document
 * ({@code /.well-known/openid-configuration}), and a token endpoint ({@code /token}) that
 * grants {@code client_credentials} to one client with its secret (HTTP Basic client
 * authentication), with tokens signed by the key. It counts the tokens it issues and can
 * be told to fail.
 */
public final class TestIdentityProvider implements AutoCloseable {

	public static final String CLIENT_ID = "channels-gateway";

	public static final String CLIENT_SECRET = "client-secret-" + UUID.randomUUID();

	private final RSAKey key = newKey();

	private final DisposableServer server;

	private final AtomicInteger tokensIssued = new AtomicInteger();

	private volatile int tokenEndpointStatus = 200;

	private volatile Duration tokenLifetime = Duration.ofHours(1);

	private TestIdentityProvider() {
		this.server = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.route((routes) -> routes.get("/jwks", (request, response) -> json(response, 200, jwkSet()))
				.get("/.well-known/openid-configuration", (request, response) -> json(response, 200, discovery()))
				.post("/token", this::token))
			.bindNow();
	}

	public static TestIdentityProvider start() {
		return new TestIdentityProvider();
	}

	/** The issuer: its discovery document is at the well-known path below it. */
	public String issuer() {
		return "http://127.0.0.1:" + this.server.port();
	}

	public String jwkSetUri() {
		return issuer() + "/jwks";
	}

	public String tokenUri() {
		return issuer() + "/token";
	}

	/** Tokens issued by the token endpoint so far. */
	public int tokensIssued() {
		return this.tokensIssued.get();
	}

	/** Makes the token endpoint answer this status, with an OAuth2 error unless 200. */
	public void tokenEndpointAnswers(int status) {
		this.tokenEndpointStatus = status;
	}

	/** How long the access tokens issued from now on are valid. */
	public void tokenLifetime(Duration lifetime) {
		this.tokenLifetime = lifetime;
	}

	/** A JWT signed by this provider's key. */
	public String jwt(String subject, List<String> audiences, Instant expiresAt, Map<String, Object> claims) {
		return sign(this.key, subject, audiences, expiresAt, claims);
	}

	/**
	 * A JWT like {@link #jwt} but signed by a key the provider's JWK set does not hold.
	 */
	public String jwtSignedByAnotherKey(String subject, List<String> audiences) {
		return sign(newKey(), subject, audiences, Instant.now().plusSeconds(600), Map.of());
	}

	private String sign(RSAKey signer, String subject, List<String> audiences, Instant expiresAt,
			Map<String, Object> claims) {
		JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder().issuer(issuer())
			.subject(subject)
			.audience(audiences)
			.issueTime(Date.from(Instant.now().minusSeconds(5)))
			.expirationTime(Date.from(expiresAt))
			.jwtID(UUID.randomUUID().toString());
		claims.forEach(builder::claim);
		SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(signer.getKeyID()).build(),
				builder.build());
		try {
			jwt.sign(new RSASSASigner(signer));
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
		return jwt.serialize();
	}

	private Mono<Void> token(HttpServerRequest request, HttpServerResponse response) {
		return request.receive().aggregate().asString(StandardCharsets.UTF_8).defaultIfEmpty("").flatMap((form) -> {
			String expected = "Basic " + Base64.getEncoder()
				.encodeToString((CLIENT_ID + ":" + CLIENT_SECRET).getBytes(StandardCharsets.UTF_8));
			if (this.tokenEndpointStatus != 200) {
				return json(response, this.tokenEndpointStatus,
						"{\"error\":\"server_error\",\"error_description\":\"the token endpoint is told to fail\"}")
					.then();
			}
			if (!expected.equals(request.requestHeaders().get("Authorization"))) {
				return json(response, 401, "{\"error\":\"invalid_client\"}").then();
			}
			if (!form.contains("grant_type=client_credentials")) {
				return json(response, 400, "{\"error\":\"unsupported_grant_type\"}").then();
			}
			this.tokensIssued.incrementAndGet();
			Duration lifetime = this.tokenLifetime;
			String token = jwt(CLIENT_ID, List.of("payments"), Instant.now().plus(lifetime), Map.of());
			return json(response, 200, "{\"access_token\":\"" + token + "\",\"token_type\":\"Bearer\",\"expires_in\":"
					+ lifetime.toSeconds() + "}")
				.then();
		});
	}

	private static Mono<Void> json(HttpServerResponse response, int status, String body) {
		return response.status(status).header("Content-Type", "application/json").sendString(Mono.just(body)).then();
	}

	private String jwkSet() {
		return new JWKSet(this.key.toPublicJWK()).toString();
	}

	private String discovery() {
		return "{\"issuer\":\"" + issuer() + "\",\"jwks_uri\":\"" + jwkSetUri() + "\",\"token_endpoint\":\""
				+ tokenUri() + "\",\"subject_types_supported\":[\"public\"],"
				+ "\"id_token_signing_alg_values_supported\":[\"RS256\"],\"response_types_supported\":[\"code\"]}";
	}

	private static RSAKey newKey() {
		try {
			return new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate();
		}
		catch (JOSEException ex) {
			throw new IllegalStateException(ex);
		}
	}

	@Override
	public void close() {
		this.server.disposeNow();
	}

}
