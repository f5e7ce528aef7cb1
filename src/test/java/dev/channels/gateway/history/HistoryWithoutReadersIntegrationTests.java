package dev.channels.gateway.history;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import dev.channels.gateway.support.GatewayClient;
import dev.channels.gateway.support.StandaloneGateway;
import dev.channels.gateway.support.TestReaders;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Without a reader and without a JWT issuer nobody could read the history: it is not
 * served at all (404, with or without credentials), start-up says why, and there is no
 * default password or generated user to fall back on.
 */
@ExtendWith(OutputCaptureExtension.class)
class HistoryWithoutReadersIntegrationTests {

	@Test
	void theHistoryIs404AndStartUpWarnsNamingTheSetting(CapturedOutput output) {
		try (ConfigurableApplicationContext gateway = StandaloneGateway.start(Map.of())) {
			GatewayClient management = new GatewayClient(
					Integer.parseInt(gateway.getEnvironment().getRequiredProperty("local.management.port")));
			GatewayClient withCredentials = management.withBasic(TestReaders.READER, TestReaders.READER_PASSWORD);

			for (String path : List.of("/history", "/history/", "/history/history.js", "/history/api/requests",
					"/history/api/channels/echo/summary")) {
				assertThat(management.get(path).status()).as(path).isEqualTo(404);
				// Credentials are still checked, and there is nobody they could belong
				// to.
				assertThat(withCredentials.get(path).status()).as(path).isEqualTo(401);
			}
			assertThat(management.get("/actuator/health/readiness").status()).isEqualTo(200);
			assertThat(management.get("/actuator/prometheus").status()).isEqualTo(200);
			assertThat(output.getOut()).contains("WARN")
				.contains("The history is not served (404): no reader is configured")
				.contains("channels.history.readers")
				.doesNotContainIgnoringCase("generated security password");
		}
	}

}
