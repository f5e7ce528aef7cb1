package dev.channels.gateway;

import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.channels.gateway.support.GatewayClient;
import dev.channels.gateway.support.GatewayClient.Response;
import dev.channels.gateway.support.RecordedRequests;
import dev.channels.gateway.support.StandaloneGateway;
import dev.channels.gateway.support.TestChannels;
import dev.channels.gateway.support.TestDatabase;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The embedded default's {@code demo} channel stays when a user adds channels of their
 * own in the configuration, as the README's command does with
 * {@code --spring.config.additional-location}.
 */
class DemoChannelIntegrationTests {

	private final RecordedRequests recorded = new RecordedRequests(TestDatabase.get());

	@Test
	void channelsOfTheConfigurationComeNextToTheDemoChannel() {
		String route = "spring.cloud.gateway.server.webflux.routes[0].";
		try (ConfigurableApplicationContext gateway = StandaloneGateway.start(Map.of("demo.sink-url",
				TestChannels.SINK.url(), route + "id", "mine", route + "uri", TestChannels.SINK.url(),
				route + "predicates[0]", "Path=/channels/mine/**", route + "filters[0]", "StripPrefix=2"),
				TestChannelsApplication.DemoChannel.class)) {
			GatewayClient client = new GatewayClient(((WebServerApplicationContext) gateway).getWebServer().getPort());

			Response demo = client.get("/channels/demo/echo/demo");
			Response mine = client.get("/channels/mine/echo/mine");

			assertThat(demo.status()).isEqualTo(200);
			assertThat(mine.status()).isEqualTo(200);
			assertThat(this.recorded.awaitOutcome(demo.requestId()).request()).containsEntry("channel_id", "demo");
			assertThat(this.recorded.awaitOutcome(mine.requestId()).request()).containsEntry("channel_id", "mine");
		}
	}

}
