package dev.channels.gateway;

import dev.channels.gateway.support.TestDatabase;
import dev.channels.gateway.support.TestSink;

import org.springframework.boot.SpringApplication;

/**
 * Runs the gateway on its embedded default: an embedded PostgreSQL (or the server that
 * {@code PGHOST} names), a demo sink on a loopback port and a {@code demo} channel to it.
 * Started by {@code ./mvnw spring-boot:test-run}.
 */
public final class TestChannelsApplication {

	private TestChannelsApplication() {
	}

	public static void main(String[] args) {
		TestDatabase database = TestDatabase.get();
		TestSink sink = TestSink.start(Integer.getInteger("demo.sink-port", 9090));
		Runtime.getRuntime().addShutdownHook(new Thread(sink::close, "demo-sink-stop"));
		database.properties().forEach(System::setProperty);
		System.setProperty("demo.sink-url", sink.url());
		SpringApplication.from(ChannelsApplication::main).withAdditionalProfiles("demo").run(args);
		System.out.printf(
				"%nChannels demo is up.%n  try:        curl -i localhost:8080/channels/demo/echo -d 'hello'%n"
						+ "  records:    psql -h %s -p %d -U %s %s%n%n",
				database.host(), database.port(), database.username(), database.name());
	}

}
