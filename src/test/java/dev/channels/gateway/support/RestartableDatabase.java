package dev.channels.gateway.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A PostgreSQL of its own that a test can stop and start again, on the same port and data
 * directory, to take the database away from a running gateway and give it back.
 */
public final class RestartableDatabase implements AutoCloseable {

	private final Path dataDirectory;

	private final int port;

	private EmbeddedPostgres postgres;

	private RestartableDatabase(Path dataDirectory) throws IOException {
		this.dataDirectory = dataDirectory;
		this.postgres = builder(0).start();
		this.port = this.postgres.getPort();
	}

	public static RestartableDatabase start() {
		try {
			return new RestartableDatabase(Files.createTempDirectory("channels-restartable-pg"));
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start the embedded PostgreSQL", ex);
		}
	}

	/**
	 * Stops the server (fast shutdown: clients are disconnected, open transactions rolled
	 * back).
	 */
	public synchronized void stop() {
		if (this.postgres != null) {
			try {
				this.postgres.close();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
			this.postgres = null;
		}
	}

	public synchronized void restart() {
		if (this.postgres == null) {
			try {
				this.postgres = builder(this.port).start();
			}
			catch (IOException ex) {
				throw new UncheckedIOException("Could not restart the embedded PostgreSQL", ex);
			}
		}
	}

	public int port() {
		return this.port;
	}

	public String jdbcUrl() {
		return "jdbc:postgresql://localhost:" + this.port + "/postgres";
	}

	/** The settings that point the gateway at this database. */
	public Map<String, String> properties() {
		return Map.of("spring.r2dbc.url", "r2dbc:postgresql://localhost:" + this.port + "/postgres",
				"spring.r2dbc.username", "postgres", "spring.r2dbc.password", "postgres");
	}

	@Override
	public void close() {
		stop();
	}

	private EmbeddedPostgres.Builder builder(int port) {
		EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
			.setDataDirectory(this.dataDirectory)
			.setCleanDataDirectory(false);
		return (port != 0) ? builder.setPort(port) : builder;
	}

}
