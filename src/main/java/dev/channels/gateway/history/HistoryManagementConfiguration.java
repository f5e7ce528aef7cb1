package dev.channels.gateway.history;

import io.micrometer.core.instrument.MeterRegistry;
import io.r2dbc.spi.ConnectionFactory;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.r2dbc.autoconfigure.R2dbcProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The history API and the history page, in the management server's own (child) context
 * only, so they are served on the management port and never on the gateway port. Spring
 * Boot imports this class into that context from
 * {@code META-INF/spring/org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration.imports};
 * its WebFlux configuration ({@code @EnableWebFlux}) serves the router function below.
 * {@code ChannelsApplication} keeps this class out of its component scan. Without a
 * management port of its own (the same as {@code server.port}) there is no child context,
 * hence no history API.
 * <p>
 * Who may read it, and which channels, is {@link HistorySecurityConfiguration}'s
 * business; the handler narrows every answer to the reader's {@link ChannelGrants}.
 * <p>
 * The beans it uses (the connection factory, the JSON mapper) come from the application's
 * context, the child's parent; without them (an application with no database) there is no
 * history.
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
@ConditionalOnBean({ ConnectionFactory.class, JsonMapper.class })
class HistoryManagementConfiguration {

	@Bean
	HistoryDatabase historyDatabase(ConnectionFactory connectionFactory, ObjectProvider<R2dbcProperties> r2dbc,
			ObjectProvider<MeterRegistry> meterRegistry) {
		HistoryDatabase database = new HistoryDatabase(connectionFactory,
				r2dbc.getIfAvailable(R2dbcProperties::new).getPool());
		// The registry lives in the parent context, whose binders this child's beans are
		// not.
		meterRegistry.ifAvailable(database::bindTo);
		return database;
	}

	@Bean
	HistoryHandler historyHandler(HistoryDatabase historyDatabase, JsonMapper json) {
		return new HistoryHandler(new HistoryQueries(historyDatabase.client(), json), json);
	}

	// Without a reader (channels.history.readers or a JWT issuer) nobody could read the
	// history: it is not served at all, and HistorySecurityConfiguration says so at
	// start-up.
	@Bean
	@Conditional(HistoryAccess.AnyReader.class)
	RouterFunction<ServerResponse> historyApiRoutes(HistoryHandler history) {
		return RouterFunctions.route()
			.GET("/history/api/requests", history::requests)
			.GET("/history/api/requests/{id}", history::request)
			.GET("/history/api/channels/{channel}/summary", history::summary)
			.GET("/history/api/channels/{channel}/buckets", history::buckets)
			.filter(history::handleErrors)
			.build();
	}

	@Bean
	@Conditional(HistoryAccess.AnyReader.class)
	RouterFunction<ServerResponse> historyPageRoutes() {
		HistoryPage page = new HistoryPage();
		return RouterFunctions.route()
			.GET("/history", page::redirect)
			.GET("/history/", page::page)
			.GET("/history/history.js", page::script)
			.GET("/history/history.css", page::styles)
			.build();
	}

}
