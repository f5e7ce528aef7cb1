package dev.channels.gateway.server;

import org.springframework.boot.webflux.error.ErrorAttributes;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Error answers that name the exchange by its record's id ({@link ErrorBodies}). */
@Configuration(proxyBeanMethods = false)
class ErrorBodiesConfiguration {

	@Bean
	ErrorAttributes errorAttributes() {
		return new ErrorBodies();
	}

}
