import java.time.OffsetDateTime;
import java.util.UUID;

import io.r2dbc.postgresql.PostgresqlConnectionFactoryProvider;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import reactor.core.publisher.Mono;
import reactor.netty.http.HttpResources;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.r2dbc.autoconfigure.ConnectionFactoryOptionsBuilderCustomizer;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.context.annotation.Bean;

/**
 * The floor of "a row before forwarding" in this stack, without any of Channels' code: Spring
 * Cloud Gateway with one global filter that inserts one row through Spring Boot's R2DBC pool
 * and forwards once it is committed. No body taps, no outcome, no hop back to the server's
 * thread. bench/bench.py runs it from source, on the Channels jar's own libraries, next to
 * the plain and the observed gateway.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class InsertFirstGateway {

	private static final String INSERT = "INSERT INTO floor_requests (id, channel_id, started_at) VALUES ($1, $2, $3)";

	public static void main(String[] args) {
		SpringApplication.run(InsertFirstGateway.class, args);
	}

	// --floor.shared-loops=true: the driver's connections on the server's own event loops
	// (reactor-netty's global HttpResources) instead of a loop group of their own.
	@Bean
	@ConditionalOnBooleanProperty("floor.shared-loops")
	ConnectionFactoryOptionsBuilderCustomizer sharedLoops() {
		return (options) -> options.option(PostgresqlConnectionFactoryProvider.LOOP_RESOURCES, HttpResources.get());
	}

	@Bean
	GlobalFilter insertFirst(ConnectionFactory database) {
		return (exchange, chain) -> Mono.usingWhen(database.create(),
				(connection) -> Mono.from(connection.createStatement(INSERT)
					.bind(0, UUID.randomUUID())
					.bind(1, "bench")
					.bind(2, OffsetDateTime.now())
					.execute()).flatMap((result) -> Mono.from(result.getRowsUpdated())),
				Connection::close)
			.then(chain.filter(exchange));
	}

}
