package dev.channels.gateway.access;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import dev.channels.gateway.channel.ChannelPolicies;
import dev.channels.gateway.channel.Metadata;

import org.springframework.http.HttpHeaders;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;

/**
 * Who may send through one channel, from its route metadata: <pre>
 * client-auth:
 *   api-keys:                       # X-API-Key: &lt;key&gt;
 *     - id: partner-a
 *       sha256: 5e884898da28...     # lowercase hex SHA-256 of the key
 *   basic:                          # Authorization: Basic ...
 *     - username: partner-b
 *       password: "{bcrypt}$2b$10$..."
 *   jwt:                            # Authorization: Bearer &lt;JWT&gt;
 *     issuer-uri: https://idp.example/realms/x   # or jwk-set-uri
 *     audiences: [channels]
 * forward-client-credentials: false # true sends the client's credential header on
 * </pre> Any one configured method that accepts what the client presents admits the
 * request.
 */
final class ChannelClients {

	static final String FORWARD_CLIENT_CREDENTIALS = "forward-client-credentials";

	// The ids PasswordEncoderFactories.createDelegatingPasswordEncoder() knows: an
	// unknown one is refused at start-up, not at the first request.
	private static final Set<String> ENCODINGS = Set.of("bcrypt", "argon2", "argon2@SpringSecurity_v5_8", "pbkdf2",
			"pbkdf2@SpringSecurity_v5_8", "scrypt", "scrypt@SpringSecurity_v5_8", "noop", "SHA-256", "sha256", "SHA-1",
			"MD4", "MD5", "ldap");

	private final String channelId;

	private final ApiKeys apiKeys;

	private final @Nullable BasicUsers basic;

	private final @Nullable BearerTokens bearer;

	private final boolean forwardCredentials;

	private ChannelClients(String channelId, ApiKeys apiKeys, @Nullable BasicUsers basic, @Nullable BearerTokens bearer,
			boolean forwardCredentials) {
		this.channelId = channelId;
		this.apiKeys = apiKeys;
		this.basic = basic;
		this.bearer = bearer;
		this.forwardCredentials = forwardCredentials;
	}

	/**
	 * Reads a channel's {@code client-auth}.
	 * @return {@code null} when the channel has none: it admits anyone
	 * @throws IllegalArgumentException when it cannot be used
	 */
	static @Nullable ChannelClients of(String channelId, Map<String, Object> metadata, PasswordEncoder encoder,
			Function<JwtIssuer, ReactiveJwtDecoder> decoders) {
		Object value = metadata.get(ChannelPolicies.CLIENT_AUTH);
		if (value == null) {
			return null;
		}
		Map<String, Object> clientAuth = Metadata.object(ChannelPolicies.CLIENT_AUTH, value);
		List<ApiKeys.Key> keys = new ArrayList<>();
		for (Object item : Metadata.items("client-auth.api-keys", clientAuth.get("api-keys"))) {
			Map<String, Object> key = Metadata.object("client-auth.api-keys[]", item);
			keys.add(ApiKeys.Key.of(Metadata.text("client-auth.api-keys[].id", key.get("id")),
					Metadata.text("client-auth.api-keys[].sha256", key.get("sha256"))));
		}
		Map<String, String> users = new LinkedHashMap<>();
		for (Object item : Metadata.items("client-auth.basic", clientAuth.get("basic"))) {
			Map<String, Object> user = Metadata.object("client-auth.basic[]", item);
			String username = Metadata.text("client-auth.basic[].username", user.get("username"));
			String password = Metadata.text("client-auth.basic[].password", user.get("password"));
			int close = password.indexOf('}');
			if (!password.startsWith("{") || close < 0 || !ENCODINGS.contains(password.substring(1, close))) {
				throw new IllegalArgumentException("client-auth.basic password of '" + username
						+ "' must be encoded, with its encoding's id first: {bcrypt}..., {argon2}..., {pbkdf2}...");
			}
			users.put(username, password);
		}
		BearerTokens bearer = null;
		if (clientAuth.get("jwt") != null) {
			Map<String, Object> jwt = Metadata.object("client-auth.jwt", clientAuth.get("jwt"));
			JwtIssuer issuer = JwtIssuer.of(jwt);
			bearer = new BearerTokens(decoders.apply(issuer));
		}
		if (keys.isEmpty() && users.isEmpty() && bearer == null) {
			throw new IllegalArgumentException(
					"client-auth names no method: give it api-keys, basic or jwt (a channel without client-auth admits anyone)");
		}
		Object forward = metadata.getOrDefault(FORWARD_CLIENT_CREDENTIALS, "false");
		if (!"true".equals(forward.toString()) && !"false".equals(forward.toString())) {
			throw new IllegalArgumentException(FORWARD_CLIENT_CREDENTIALS + " must be true or false");
		}
		return new ChannelClients(channelId, ApiKeys.of(keys), users.isEmpty() ? null : new BasicUsers(users, encoder),
				bearer, Boolean.parseBoolean(forward.toString()));
	}

	/**
	 * Decides on the credentials a request presents. A method that is not configured, or
	 * not presented, has no say; when none admits, the answer names the first method that
	 * refused, or the missing credentials.
	 */
	Mono<Verdict> authenticate(HttpHeaders headers) {
		Verdict.Refused byKey = null;
		String key = headers.getFirst(ApiKeys.HEADER);
		if (key != null && !this.apiKeys.isEmpty()) {
			String id = this.apiKeys.idOf(key);
			if (id != null) {
				return Mono.just(new Verdict.Admitted("api-key:" + id));
			}
			byKey = Verdict.Refused.unauthorized("invalid_api_key", "the API key is not one of this channel's");
		}
		Verdict.Refused firstRefusal = byKey;
		return byAuthorization(headers.getFirst(HttpHeaders.AUTHORIZATION))
			.map((verdict) -> (verdict instanceof Verdict.Refused && firstRefusal != null) ? firstRefusal : verdict)
			.defaultIfEmpty((firstRefusal != null) ? firstRefusal : Verdict.Refused.unauthorized("missing_credentials",
					"this channel requires credentials: " + methods()));
	}

	private Mono<Verdict> byAuthorization(@Nullable String authorization) {
		if (authorization == null) {
			return Mono.empty();
		}
		if (this.basic != null && startsWithScheme(authorization, "Basic")) {
			return this.basic.check(authorization.substring(6));
		}
		if (this.bearer != null && startsWithScheme(authorization, "Bearer")) {
			return this.bearer.check(authorization.substring(7));
		}
		return Mono.empty();
	}

	private static boolean startsWithScheme(String authorization, String scheme) {
		return authorization.length() > scheme.length()
				&& authorization.regionMatches(true, 0, scheme, 0, scheme.length())
				&& authorization.charAt(scheme.length()) == ' ';
	}

	/** The headers that carry this channel's client credentials. */
	List<String> credentialHeaders() {
		List<String> headers = new ArrayList<>(2);
		if (!this.apiKeys.isEmpty()) {
			headers.add(ApiKeys.HEADER);
		}
		if (this.basic != null || this.bearer != null) {
			headers.add(HttpHeaders.AUTHORIZATION);
		}
		return headers;
	}

	boolean forwardsCredentials() {
		return this.forwardCredentials;
	}

	/**
	 * The {@code WWW-Authenticate} challenges of the methods this channel accepts.
	 * @param bearerError the RFC 6750 error of a refused token, or empty
	 */
	List<String> challenges(String bearerError, String message) {
		String realm = "realm=\"" + this.channelId.replace("\"", "") + "\"";
		List<String> challenges = new ArrayList<>(3);
		if (!this.apiKeys.isEmpty()) {
			challenges.add("ApiKey " + realm + ", header=\"" + ApiKeys.HEADER + "\"");
		}
		if (this.basic != null) {
			challenges.add("Basic " + realm + ", charset=\"UTF-8\"");
		}
		if (this.bearer != null) {
			challenges.add("Bearer " + realm + (bearerError.isEmpty() ? "" : ", error=\"" + bearerError
					+ "\", error_description=\"" + message.replaceAll("[\"\\\\]", "'") + "\""));
		}
		return challenges;
	}

	private String methods() {
		List<String> methods = new ArrayList<>(3);
		if (!this.apiKeys.isEmpty()) {
			methods.add("an API key in " + ApiKeys.HEADER);
		}
		if (this.basic != null) {
			methods.add("Basic");
		}
		if (this.bearer != null) {
			methods.add("a Bearer JWT");
		}
		return String.join(", or ", methods);
	}

	/**
	 * Where a channel's bearer tokens come from.
	 *
	 * @param issuerUri the issuer, whose discovery document names its JWK set
	 * @param jwkSetUri the JWK set, when no issuer is given
	 * @param audiences the audiences accepted; empty accepts any
	 */
	record JwtIssuer(@Nullable String issuerUri, @Nullable String jwkSetUri, List<String> audiences) {

		static JwtIssuer of(Map<String, Object> jwt) {
			Object issuer = jwt.get("issuer-uri");
			Object jwkSet = jwt.get("jwk-set-uri");
			if ((issuer == null) == (jwkSet == null)) {
				throw new IllegalArgumentException("client-auth.jwt needs exactly one of issuer-uri and jwk-set-uri");
			}
			return new JwtIssuer((issuer != null) ? Metadata.text("client-auth.jwt.issuer-uri", issuer) : null,
					(jwkSet != null) ? Metadata.text("client-auth.jwt.jwk-set-uri", jwkSet) : null,
					Metadata.names("client-auth.jwt.audiences", jwt.get("audiences")));
		}

		ReactiveJwtDecoder decoder() {
			return JwtDecoders.of(this.issuerUri, this.jwkSetUri, this.audiences, List.of());
		}

	}

}
