package dev.channels.gateway;

import java.util.List;

import reactor.core.publisher.Flux;
import sun.misc.Signal;

import dev.channels.gateway.support.TestDatabase;
import dev.channels.gateway.support.TestSink;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.cloud.gateway.filter.FilterDefinition;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.cloud.gateway.route.RouteDefinitionLocator;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;

/**
 * Runs the gateway on its embedded default: an embedded PostgreSQL (or the server that
 * {@code PGHOST} names), a demo sink on a loopback port and a {@code demo} channel to it.
 * Started by {@code ./mvnw spring-boot:test-run}.
 */
public final class TestChannelsApplication {

	/** The password of the demo's history reader, {@code demo}. */
	static final String DEMO_READER_PASSWORD = "channels-demo";

	private TestChannelsApplication() {
	}

	public static void main(String[] args) {
		TestDatabase database = TestDatabase.get();
		TestSink sink = TestSink.start(Integer.getInteger("demo.sink-port", 9090));
		database.properties().forEach(System::setProperty);
		System.setProperty("demo.sink-url", sink.url());
		System.setProperty("demo.reader-password",
				PasswordEncoderFactories.createDelegatingPasswordEncoder().encode(DEMO_READER_PASSWORD));
		// One orderly stop on Ctrl-C or SIGTERM: the gateway (its exchanges, its last
		// outcomes, its lease), then the sink, then the database.
		System.setProperty("spring.main.register-shutdown-hook", "false");
		ConfigurableApplicationContext gateway = SpringApplication.from(ChannelsApplication::main)
			.with(DemoChannel.class)
			.withAdditionalProfiles("demo")
			.run(args)
			.getApplicationContext();
		database.beforeStop(gateway::close);
		database.beforeStop(sink::close);
		// SIGTERM (docker stop, kill) ends the demo as Ctrl-C does: the stop above, then
		// an
		// exit code that `spring-boot:test-run` takes for a normal end (143 it would
		// report
		// as a failure).
		Signal.handle(new Signal("TERM"), (signal) -> System.exit(0));
		System.out.printf(
				"%nChannels demo is up.%n  try:        curl -i localhost:8080/channels/demo/echo -d 'hello'%n"
						+ "  history:    http://localhost:8081/history (reader: demo, password: %s)%n"
						+ "              curl -su demo:%s 'localhost:8081/history/api/requests?channel=demo'%n"
						+ "  records:    psql -h %s -p %d -U %s %s%n%n",
				DEMO_READER_PASSWORD, DEMO_READER_PASSWORD, database.host(), database.port(), database.username(),
				database.name());
	}

	/**
	 * The {@code demo} channel, next to the channels of the configuration rather than in
	 * it: a user's {@code spring.cloud.gateway.server.webflux.routes} (in a file given
	 * with {@code --spring.config.additional-location}) adds to it instead of replacing
	 * it. Not a {@code @Configuration}, which the tests' component scan would find: a
	 * source given to the application by name.
	 */
	static class DemoChannel {

		@Bean
		RouteDefinitionLocator demoChannel(@Value("${demo.sink-url}") String sinkUrl) {
			RouteDefinition demo = new RouteDefinition("demo=" + sinkUrl + ",Path=/channels/demo/**");
			demo.setFilters(List.of(new FilterDefinition("StripPrefix=2")));
			return () -> Flux.just(demo);
		}

	}

}
