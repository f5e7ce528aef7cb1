package dev.channels.gateway.support;

import dev.channels.gateway.ChannelsApplication;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The whole application against the test database and the {@link TestChannels}. Test
 * classes that extend it share one application context.
 */
@SpringBootTest(classes = ChannelsApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class GatewayIntegrationTest {

	@DynamicPropertySource
	static void channels(DynamicPropertyRegistry registry) {
		TestChannels.register(registry);
	}

}
