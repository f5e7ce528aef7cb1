package dev.channels.gateway.channel;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.cloud.gateway.filter.FilterDefinition;
import org.springframework.cloud.gateway.handler.predicate.PredicateDefinition;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteDefinition;

import static org.assertj.core.api.Assertions.assertThat;

class ChannelSnapshotTests {

	private final Redaction redaction = new Redaction(List.of("Authorization"), List.of(), List.of());

	@Test
	void equalDefinitionsHashEqualWhateverTheOrderOfTheirMetadata() {
		Map<String, Object> ab = new LinkedHashMap<>();
		ab.put("a", 1);
		ab.put("b", Map.of("y", 2, "x", 3));
		Map<String, Object> ba = new LinkedHashMap<>();
		ba.put("b", Map.of("x", 3, "y", 2));
		ba.put("a", 1);

		ChannelSnapshot first = ChannelSnapshot.of(route("c", ab), definition("c"), List.of(), this.redaction);
		ChannelSnapshot second = ChannelSnapshot.of(route("c", ba), definition("c"), List.of(), this.redaction);

		assertThat(second.configHash()).isEqualTo(first.configHash()).matches("[0-9a-f]{64}");
		assertThat(second.id()).isEqualTo(first.id());
	}

	@Test
	void credentialsInRouteMetadataAreRedactedAndTheNamesAroundThemKept() {
		// As Spring Boot binds a YAML list in metadata: a map keyed by index.
		Map<String, Object> metadata = Map.of("client-auth",
				Map.of("api-keys", Map.of("0", Map.of("id", "partner-a", "sha256", "5e884898da28047151d0e56f8dc629")),
						"basic", Map.of("0", Map.of("username", "partner-b", "password", "{bcrypt}$2b$10$abcdefg"))),
				"destination-auth", Map.of("bearer", "payments-token-123", "oauth2-client", "payments"));

		String json = new String(
				ChannelSnapshot.of(route("guarded", metadata), definition("guarded"), List.of(), this.redaction)
					.definition(),
				StandardCharsets.UTF_8);

		assertThat(json).doesNotContain("5e884898da28047151d0e56f8dc629", "$2b$10$abcdefg", "payments-token-123")
			.contains("partner-a", "partner-b", "payments", "[REDACTED]");
	}

	@Test
	void stepsAreStoredAsWrittenAndMetadataListsAsLists() {
		RouteDefinition definition = definition("c");
		PredicateDefinition named = new PredicateDefinition();
		named.setName("Method");
		named.addArg("methods", "GET");
		definition.getPredicates().add(named);
		definition.getFilters().add(new FilterDefinition("PreserveHostHeader"));
		// As Spring Boot binds a YAML list in metadata: a map keyed by index.
		Map<String, Object> metadata = Map.of("redacted-headers", Map.of("0", "X-Session", "1", "X-Signature"),
				"limits", Map.of("2", "not", "3", "a list"));

		String json = text(ChannelSnapshot.of(route("c", metadata), definition, List.of(), this.redaction));

		assertThat(json)
			.contains("\"predicates\":[\"Path=/channels/c/**\",{\"args\":{\"methods\":\"GET\"},\"name\":\"Method\"}]")
			.contains("\"filters\":[\"StripPrefix=2\",\"PreserveHostHeader\"]")
			.contains("\"redacted-headers\":[\"X-Session\",\"X-Signature\"]")
			.contains("\"limits\":{\"2\":\"not\",\"3\":\"a list\"}");
	}

	@Test
	void anyChangeMakesAnotherSnapshot() {
		ChannelSnapshot base = ChannelSnapshot.of(route("c", Map.of()), definition("c"), List.of(), this.redaction);
		RouteDefinition moreFilters = definition("c");
		moreFilters.getFilters().add(new FilterDefinition("AddRequestHeader=X-A, 1"));

		assertThat(List.of(ChannelSnapshot.of(route("c", Map.of("k", "v")), definition("c"), List.of(), this.redaction),
				ChannelSnapshot.of(route("c", Map.of()), moreFilters, List.of(), this.redaction),
				ChannelSnapshot.of(route("c", Map.of()), definition("c"),
						List.of(new FilterDefinition("AddResponseHeader=X-B, 2")), this.redaction)))
			.extracting(ChannelSnapshot::configHash)
			.doesNotContain(base.configHash())
			.doesNotHaveDuplicates();
	}

	@Test
	void argumentsOfStepsThatNameASecretHeaderAreRedactedButTheNameIsKept() {
		RouteDefinition definition = definition("c");
		definition.getFilters().add(new FilterDefinition("SetRequestHeader=authorization, Bearer s3cret"));
		definition.getPredicates().add(new PredicateDefinition("Header=Authorization, Basic .*"));

		String json = text(ChannelSnapshot.of(route("c", Map.of()), definition,
				List.of(new FilterDefinition("AddRequestHeader=Authorization, Bearer default-s3cret")),
				this.redaction));

		assertThat(json).doesNotContain("s3cret", "Basic").contains("authorization", "Authorization", "[REDACTED]");
	}

	@Test
	void routeBuiltInJavaHasNoStepsRatherThanDescriptionsThatCouldHoldSecrets() {
		String json = text(ChannelSnapshot.of(route("c", Map.of()), null, List.of(), this.redaction));

		assertThat(json).contains("\"predicates\":null", "\"filters\":null", "\"id\":\"c\"");
	}

	private static String text(ChannelSnapshot snapshot) {
		return new String(snapshot.definition(), StandardCharsets.UTF_8);
	}

	private static Route route(String id, Map<String, Object> metadata) {
		return Route.async()
			.id(id)
			.uri(URI.create("http://sink:8080"))
			.predicate((exchange) -> true)
			.metadata(metadata)
			.build();
	}

	private static RouteDefinition definition(String id) {
		RouteDefinition definition = new RouteDefinition();
		definition.setId(id);
		definition.getPredicates().add(new PredicateDefinition("Path=/channels/" + id + "/**"));
		definition.getFilters().add(new FilterDefinition("StripPrefix=2"));
		return definition;
	}

}
