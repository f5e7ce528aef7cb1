package dev.channels.gateway.support;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * Netty resources of a gateway's own, for tests that start and close a gateway of their
 * own beside the shared test context. By default the server's event loops are
 * reactor-netty's global ones, which closing a context disposes: in a real shutdown the
 * JVM exits next, but here the test sink and the shared test context use them too.
 */
@Configuration(proxyBeanMethods = false)
public class OwnNettyResources {

	@Bean
	ReactorResourceFactory reactorResourceFactory() {
		ReactorResourceFactory factory = new ReactorResourceFactory();
		factory.setUseGlobalResources(false);
		return factory;
	}

}
