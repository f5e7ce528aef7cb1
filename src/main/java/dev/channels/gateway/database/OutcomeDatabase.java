package dev.channels.gateway.database;

import io.r2dbc.spi.ConnectionFactory;

import org.springframework.boot.r2dbc.autoconfigure.R2dbcProperties;

/**
 * The database as the writes off the request path see it (outcomes, the lease and the
 * sweeps, retention): a connection pool of their own, apart from the application's pool
 * that new requests' rows are inserted through. A backlog of outcome writes can then
 * never keep a new request waiting for a connection.
 */
public final class OutcomeDatabase extends SeparatePool {

	/**
	 * @param application the application's connection factory (Spring Boot's pool)
	 * @param settings Spring Boot's pool settings, for the timeouts
	 * @param size the connections this pool may open
	 */
	OutcomeDatabase(ConnectionFactory application, R2dbcProperties.Pool settings, int size) {
		super(application, settings, "channels-outcomes", size, null);
	}

}
