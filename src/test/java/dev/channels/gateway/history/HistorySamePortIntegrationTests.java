package dev.channels.gateway.history;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

import org.junit.jupiter.api.Test;

import dev.channels.gateway.ChannelsApplication;
import dev.channels.gateway.support.GatewayClient;
import dev.channels.gateway.support.TestChannels;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code management.server.port} equal to {@code server.port} there is no management
 * context of its own, hence no history API or page: they are not served on the one port,
 * which is the gateway's, while Actuator is.
 */
@SpringBootTest(classes = ChannelsApplication.class, webEnvironment = SpringBootTest.WebEnvironment.DEFINED_PORT)
class HistorySamePortIntegrationTests {

	private static final int PORT = freePort();

	@DynamicPropertySource
	static void channels(DynamicPropertyRegistry registry) {
		TestChannels.register(registry);
		registry.add("server.port", () -> PORT);
		registry.add("management.server.port", () -> PORT);
	}

	@Test
	void theHistoryIsNotServedWhenTheManagementPortIsTheGatewayPort() {
		GatewayClient client = new GatewayClient(PORT);

		assertThat(client.get("/actuator/health/liveness").status()).isEqualTo(200);
		assertThat(client.get("/history/api/requests").status()).isEqualTo(404);
		assertThat(client.get("/history/").status()).isEqualTo(404);
	}

	private static int freePort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
