package dev.channels.gateway.recording;

import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.ConnectionFactory;

import dev.channels.gateway.database.SeparatePool;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.r2dbc.autoconfigure.R2dbcProperties;
import org.springframework.r2dbc.core.DatabaseClient;

/**
 * The database as the writes off the request path see it (outcomes, the lease, the
 * sweeps): a connection pool of their own, apart from the application's pool that new
 * requests' rows are inserted through. A backlog of outcome writes can then never keep a
 * new request waiting for a connection. Same database, same pool timeouts.
 * <p>
 * Not a {@link ConnectionFactory} bean, so that Spring Boot still builds the
 * application's.
 */
final class OutcomeDatabase implements DisposableBean {

	private final ConnectionPool pool;

	private final DatabaseClient client;

	/**
	 * @param application the application's connection factory (Spring Boot's pool)
	 * @param settings Spring Boot's pool settings, for the timeouts
	 * @param size the connections this pool may open
	 */
	OutcomeDatabase(ConnectionFactory application, R2dbcProperties.Pool settings, int size) {
		this.pool = SeparatePool.create(application, settings, "channels-outcomes", size, null);
		this.client = DatabaseClient.create(this.pool);
	}

	DatabaseClient client() {
		return this.client;
	}

	ConnectionFactory pool() {
		return this.pool;
	}

	@Override
	public void destroy() {
		this.pool.dispose();
	}

}
