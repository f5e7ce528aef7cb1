package dev.channels.gateway.channel;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.cloud.gateway.route.Route;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class ChannelPoliciesTests {

	private final ChannelPolicies policies = new ChannelPolicies(65536,
			new Redaction(List.of("Authorization"), List.of("token"), List.of("password")));

	@Test
	void routeWithoutOverridesGetsTheGlobalSettings() {
		ChannelPolicy policy = this.policies.policy(route("plain", Map.of()));

		assertThat(policy.previewLimit()).isEqualTo(65536);
		assertThat(policy.redaction().isSecretHeader("Authorization")).isTrue();
		assertThat(policy.redaction().query("token=1")).isEqualTo("token=[REDACTED]");
	}

	@Test
	void aChannelsRedactedBodyFieldsComeOnTopOfTheGlobalOnes() {
		ChannelPolicy policy = this.policies.policy(route("pins", Map.of("redacted-body-fields", "pin")));
		byte[] body = "{\"pin\": 1234, \"password\": \"x\", \"user\": \"ann\"}".getBytes(StandardCharsets.UTF_8);

		Redaction.RedactedBody redacted = policy.redaction().body("application/json", body);

		assertThat(new String(redacted.preview(), StandardCharsets.UTF_8))
			.isEqualTo("{\"pin\": \"[REDACTED]\", \"password\": \"[REDACTED]\", \"user\": \"ann\"}");
		assertThat(
				this.policies.policy(route("plain-body", Map.of())).redaction().body("application/json", body).fields())
			.containsOnlyKeys("password");
	}

	@Test
	void previewSizeIsANumberOfBytesOrASize() {
		assertThat(this.policies.policy(route("a", Map.of("preview-size", 0))).previewLimit()).isZero();
		assertThat(this.policies.policy(route("b", Map.of("preview-size", "4KB"))).previewLimit()).isEqualTo(4096);
		assertThat(this.policies.policy(route("c", Map.of("preview-size", "100"))).previewLimit()).isEqualTo(100);
	}

	@Test
	void redactedNamesComeAsAStringAListOrTheMapBootBindsAYamlListTo() {
		Map<String, Object> bound = new LinkedHashMap<>();
		bound.put("0", "X-One");
		bound.put("1", "X-Two");
		ChannelPolicy policy = this.policies
			.policy(route("lists", Map.of("redacted-headers", bound, "redacted-query-params", " sig , key ")));
		ChannelPolicy listed = this.policies.policy(route("listed", Map.of("redacted-headers", List.of("X-Three"))));

		assertThat(policy.redaction().isSecretHeader("x-one")).isTrue();
		assertThat(policy.redaction().isSecretHeader("X-Two")).isTrue();
		assertThat(policy.redaction().isSecretHeader("Authorization")).isTrue();
		assertThat(policy.redaction().query("sig=1&key=2&token=3&x=4"))
			.isEqualTo("sig=[REDACTED]&key=[REDACTED]&token=[REDACTED]&x=4");
		assertThat(listed.redaction().isSecretHeader("X-Three")).isTrue();
	}

	@Test
	void invalidOverridesAreRefusedWithTheChannelAndTheReason() {
		assertThatExceptionOfType(InvalidChannelException.class)
			.isThrownBy(() -> this.policies.policy(route("bad", Map.of("preview-size", "lots"))))
			.withMessage("Channel 'bad' has invalid metadata: preview-size 'lots' is not a size (bytes, or a number "
					+ "with KB or MB)");
		assertThatExceptionOfType(InvalidChannelException.class)
			.isThrownBy(() -> this.policies.policy(route("negative", Map.of("preview-size", -1))))
			.withMessageContaining("out of range");
		assertThatExceptionOfType(InvalidChannelException.class)
			.isThrownBy(() -> this.policies.policy(route("number", Map.of("redacted-headers", 7))))
			.withMessageContaining("redacted-headers must be a list of names");
	}

	@Test
	void aRefreshedRouteIsResolvedAgainAndTheSameRouteOnlyOnce() {
		Route first = route("changing", Map.of("preview-size", 10));
		Route refreshed = route("changing", Map.of("preview-size", 20));

		ChannelPolicy policy = this.policies.policy(first);

		assertThat(this.policies.policy(first)).isSameAs(policy);
		assertThat(this.policies.policy(refreshed).previewLimit()).isEqualTo(20);
	}

	private static Route route(String id, Map<String, Object> metadata) {
		return Route.async().id(id).uri("http://sink.invalid").predicate((exchange) -> true).metadata(metadata).build();
	}

}
