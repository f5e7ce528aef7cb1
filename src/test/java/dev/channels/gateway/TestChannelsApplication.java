package dev.channels.gateway;

import dev.channels.gateway.support.TestDatabase;
import dev.channels.gateway.support.TestSink;

import org.springframework.boot.SpringApplication;
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
		Runtime.getRuntime().addShutdownHook(new Thread(sink::close, "demo-sink-stop"));
		database.properties().forEach(System::setProperty);
		System.setProperty("demo.sink-url", sink.url());
		System.setProperty("demo.reader-password",
				PasswordEncoderFactories.createDelegatingPasswordEncoder().encode(DEMO_READER_PASSWORD));
		SpringApplication.from(ChannelsApplication::main).withAdditionalProfiles("demo").run(args);
		System.out.printf(
				"%nChannels demo is up.%n  try:        curl -i localhost:8080/channels/demo/echo -d 'hello'%n"
						+ "  history:    http://localhost:8081/history (reader: demo, password: %s)%n"
						+ "              curl -su demo:%s 'localhost:8081/history/api/requests?channel=demo'%n"
						+ "  records:    psql -h %s -p %d -U %s %s%n%n",
				DEMO_READER_PASSWORD, DEMO_READER_PASSWORD, database.host(), database.port(), database.username(),
				database.name());
	}

}
