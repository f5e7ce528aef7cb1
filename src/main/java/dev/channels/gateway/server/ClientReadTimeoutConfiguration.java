package dev.channels.gateway.server;

import dev.channels.gateway.ChannelsProperties;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Bounds how long a client may pause while it sends a request body. Without it, a client
 * that stops sending and never leaves holds its exchange (and the sink's, and its row
 * pending) for as long as the connection lives; reactor-netty has the setting, Spring
 * Boot has no property for it.
 */
@Configuration(proxyBeanMethods = false)
class ClientReadTimeoutConfiguration {

	@Bean
	NettyServerCustomizer clientReadTimeout(ChannelsProperties properties) {
		return (server) -> server.readTimeout(properties.clientReadTimeout());
	}

}
