package dev.channels.gateway.channel;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BodyFieldsTests {

	private final Redaction redaction = new Redaction(List.of(), List.of(), List.of("password", "Access_Token"));

	@Test
	void jsonValuesOfSecretMembersAreReplacedAtAnyDepthAndEverythingElseStaysByteForByte() {
		String json = """
				{"user": "ann", "PASSWORD" : "hunter2", "nested": {"deeper": [{"password": {"old": "a", "new": "b"}}]},
				 "access_token":12345, "note": "the word password is no key", "list": ["password", 1]}""";

		Redaction.RedactedBody redacted = redact("application/json", json);

		assertThat(text(redacted)).isEqualTo("""
				{"user": "ann", "PASSWORD" : "[REDACTED]", "nested": {"deeper": [{"password": "[REDACTED]"}]},
				 "access_token":"[REDACTED]", "note": "the word password is no key", "list": ["password", 1]}""");
		assertThat(redacted.fields()).isEqualTo(Map.of("password", 2, "access_token", 1));
	}

	@Test
	void escapedNamesAndStringsWithQuotesAreReadAsJsonReadsThem() {
		String json = "{\"pass\\u0077ord\": \"a \\\"quoted\\\" secret\", \"x\": \"\\\"password\\\": 1\"}";

		assertThat(text(redact("application/vnd.api+json", json)))
			.isEqualTo("{\"pass\\u0077ord\": \"[REDACTED]\", \"x\": \"\\\"password\\\": 1\"}");
	}

	@Test
	void aPreviewCutOffMidDocumentIsRedactedAsFarAsItGoesAndACutSecretToItsEnd() {
		assertThat(text(redact("application/json", "{\"a\": 1, \"password\": \"hunter2 and mo")))
			.isEqualTo("{\"a\": 1, \"password\": \"[REDACTED]\"");
		assertThat(text(redact("application/json", "{\"password\": {\"x\": [1, 2")))
			.isEqualTo("{\"password\": \"[REDACTED]\"");
		assertThat(text(redact("application/json", "{\"a\": 1, \"passw"))).isEqualTo("{\"a\": 1, \"passw");
	}

	@Test
	void formFieldsAreRedactedByTheirDecodedNameIncludingACutOffLastOne() {
		Redaction.RedactedBody redacted = redact("application/x-www-form-urlencoded; charset=UTF-8",
				"user=ann&pass%77ord=hunter%32&empty=&access_token=abc&password");

		assertThat(text(redacted)).isEqualTo("user=ann&pass%77ord=[REDACTED]&empty=&access_token=[REDACTED]&password");
		assertThat(redacted.fields()).isEqualTo(Map.of("password", 1, "access_token", 1));
		assertThat(text(redact("application/x-www-form-urlencoded", "a=1&password=hun")))
			.isEqualTo("a=1&password=[REDACTED]");
	}

	@Test
	void otherBodiesAndBodiesWithoutSecretsAreStoredAsReceived() {
		byte[] text = "password: hunter2".getBytes(StandardCharsets.UTF_8);
		assertThat(this.redaction.body("text/plain", text).preview()).isSameAs(text);
		assertThat(this.redaction.body(null, text).fields()).isEmpty();
		byte[] json = "{\"user\": \"ann\"}".getBytes(StandardCharsets.UTF_8);
		assertThat(this.redaction.body("application/json", json).preview()).isSameAs(json);
	}

	private Redaction.RedactedBody redact(String contentType, String body) {
		return this.redaction.body(contentType, body.getBytes(StandardCharsets.UTF_8));
	}

	private static String text(Redaction.RedactedBody body) {
		return new String(body.preview(), StandardCharsets.UTF_8);
	}

}
