package dev.channels.gateway;

import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.channels.gateway.support.GatewayClient;
import dev.channels.gateway.support.GatewayClient.Response;
import dev.channels.gateway.support.RecordedRequests;
import dev.channels.gateway.support.StandaloneGateway;
import dev.channels.gateway.support.TestChannels;
import dev.channels.gateway.support.TestDatabase;
import dev.channels.gateway.support.TestSink.Received;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who is recorded as the client, through a real gateway with Spring Cloud Gateway's
 * {@code trusted-proxies} set: the one setting decides whose {@code X-Forwarded-For}
 * entries are believed, in what the sink is told and in what {@code client_identity}
 * says.
 */
class ClientIdentityIntegrationTests {

	private static final String SPOOFED = "192.0.2.66";

	private static final String CLIENT = "198.51.100.7";

	private final RecordedRequests recorded = new RecordedRequests(TestDatabase.get());

	@Test
	void behindATrustedProxyTheClientIsTheAddressItForwardsForAndNoUntrustedEntryReachesTheSink() {
		try (ConfigurableApplicationContext gateway = startGateway("127\\.0\\.0\\.1")) {
			String path = "/echo/trusted-" + UUID.randomUUID();

			Response response = send(gateway, path);

			assertThat(response.status()).isEqualTo(200);
			assertThat(this.recorded.awaitOutcome(response.requestId()).request()).containsEntry("client_identity",
					CLIENT);
			// Spring Cloud Gateway forwards only the entries of trusted proxies, and
			// appends
			// the peer.
			assertThat(receivedAt(path).headers().get("x-forwarded-for")).isEqualTo("127.0.0.1");
		}
	}

	@Test
	void anUntrustedPeerIsTheClientWhateverItsForwardedForSays() {
		try (ConfigurableApplicationContext gateway = startGateway("10\\.9\\.8\\.7")) {
			String path = "/echo/untrusted-" + UUID.randomUUID();

			Response response = send(gateway, path);

			assertThat(response.status()).isEqualTo(200);
			assertThat(this.recorded.awaitOutcome(response.requestId()).request()).containsEntry("client_identity",
					"127.0.0.1");
			assertThat(receivedAt(path).headers().get("x-forwarded-for")).doesNotContain(SPOOFED)
				.doesNotContain(CLIENT);
		}
	}

	private static Response send(ConfigurableApplicationContext gateway, String path) {
		GatewayClient client = new GatewayClient(((WebServerApplicationContext) gateway).getWebServer().getPort());
		// A client that writes its own X-Forwarded-For, behind a proxy that appends the
		// client it saw.
		return client.send("GET", "/channels/echo" + path, new byte[0], "X-Forwarded-For", SPOOFED + ", " + CLIENT);
	}

	private static Received receivedAt(String path) {
		return TestChannels.SINK.received()
			.stream()
			.filter((received) -> received.uri().equals(path))
			.findFirst()
			.orElseThrow();
	}

	private static ConfigurableApplicationContext startGateway(String trustedProxies) {
		String route = "spring.cloud.gateway.server.webflux.routes[0].";
		return StandaloneGateway.start(Map.of(route + "id", "echo", route + "uri", TestChannels.SINK.url(),
				route + "predicates[0]", "Path=/channels/echo/**", route + "filters[0]", "StripPrefix=2",
				"spring.cloud.gateway.server.webflux.trusted-proxies", trustedProxies));
	}

}
