package dev.channels.gateway.recording;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.channels.gateway.support.GatewayClient;
import dev.channels.gateway.support.GatewayClient.Response;
import dev.channels.gateway.support.GatewayIntegrationTest;
import dev.channels.gateway.support.RecordedRequests;
import dev.channels.gateway.support.TestDatabase;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Secrets in every place that redaction covers today (a secret header, a redacted query
 * parameter, a secret body field in JSON and in a form) reach the sink and the client,
 * and none of them reaches the database or the log: the whole database is dumped as text
 * and searched.
 */
@ExtendWith(OutputCaptureExtension.class)
class SecretsIntegrationTests extends GatewayIntegrationTest {

	private final RecordedRequests recorded = new RecordedRequests(TestDatabase.get());

	@LocalServerPort
	private int port;

	@Test
	void noSecretValueIsStoredAnywhereInTheDatabaseOrWrittenToTheLog(CapturedOutput output) {
		String bearer = secret();
		String session = secret();
		String token = secret();
		String password = secret();
		String clientSecret = secret();
		GatewayClient client = new GatewayClient(this.port);

		Response json = client.send("POST", "/channels/echo/echo", """
				{"user": "ann", "login": {"password": "%s"}}""".formatted(password).getBytes(StandardCharsets.UTF_8),
				"Content-Type", "application/json", "Authorization", "Bearer " + bearer);
		Response form = client.send("POST", "/channels/echo/echo",
				("grant_type=client_credentials&client_secret=" + clientSecret).getBytes(StandardCharsets.UTF_8),
				"Content-Type", "application/x-www-form-urlencoded");
		// The discreet channel redacts the X-Session header and the token parameter.
		Response query = client.send("GET", "/channels/discreet/echo?token=" + token + "&a=1", new byte[0], "X-Session",
				session);

		// The sink got them and echoed the bodies back: only the record is redacted.
		assertThat(json.text()).contains(password);
		assertThat(form.text()).contains(clientSecret);
		this.recorded.awaitOutcome(json.requestId());
		this.recorded.awaitOutcome(form.requestId());
		this.recorded.awaitOutcome(query.requestId());
		String dump = this.recorded.dumpAsText();
		assertThat(dump).contains(json.requestId().toString(), form.requestId().toString(),
				query.requestId().toString(), "[REDACTED]");
		// The previews are in it as text, not only as hex: a secret in one would be
		// found.
		assertThat(dump).contains("{\"user\": \"ann\", \"login\": {\"password\": \"[REDACTED]\"}}");
		for (String secret : List.of(bearer, session, token, password, clientSecret)) {
			assertThat(dump).doesNotContain(secret);
			assertThat(output.getAll()).doesNotContain(secret);
		}
	}

	private static String secret() {
		return "secret-" + UUID.randomUUID();
	}

}
