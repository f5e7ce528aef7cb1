package dev.channels.gateway.database;

import java.util.function.Function;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.pool.ConnectionPoolConfiguration;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.boot.r2dbc.autoconfigure.R2dbcProperties;
import org.springframework.boot.r2dbc.metrics.ConnectionPoolMetrics;
import org.springframework.r2dbc.core.DatabaseClient;
import org.springframework.util.StringUtils;

/**
 * A connection pool of its own on the application's database, for work that must never
 * take connections from another pool or leave another's callers waiting: outcome writes
 * apart from new requests' rows ({@link OutcomeDatabase}), history reads apart from both.
 * Same database and credentials, same pool timeouts as Spring Boot's pool
 * ({@code spring.r2dbc.pool.*}: timeouts, life time, validation), and Spring Boot's pool
 * meters under its own name.
 * <p>
 * Never a {@link ConnectionFactory} bean, so that Spring Boot still builds the
 * application's.
 */
public abstract class SeparatePool implements DisposableBean, MeterBinder {

	private final ConnectionPool pool;

	private final String name;

	private final DatabaseClient client;

	/**
	 * @param application the application's connection factory (Spring Boot's pool)
	 * @param settings Spring Boot's pool settings, for the timeouts
	 * @param name the pool's name, in its metrics and logs
	 * @param size the connections this pool may open
	 * @param prepare run once on each new connection, or {@code null}
	 */
	protected SeparatePool(ConnectionFactory application, R2dbcProperties.Pool settings, String name, int size,
			@Nullable Function<? super Connection, ? extends Publisher<Void>> prepare) {
		ConnectionFactory database = (application instanceof ConnectionPool pool) ? pool.unwrap() : application;
		ConnectionPoolConfiguration.Builder configuration = ConnectionPoolConfiguration.builder(database)
			.name(name)
			.initialSize(0)
			.maxSize(size);
		// Spring Boot's own pool settings, as its pool builder maps them; the sizes are
		// ours.
		PropertyMapper map = PropertyMapper.get();
		map.from(settings.getMaxIdleTime()).to(configuration::maxIdleTime);
		map.from(settings.getMaxLifeTime()).to(configuration::maxLifeTime);
		map.from(settings.getMaxAcquireTime()).to(configuration::maxAcquireTime);
		map.from(settings.getMaxCreateConnectionTime()).to(configuration::maxCreateConnectionTime);
		map.from(settings.getMaxValidationTime()).to(configuration::maxValidationTime);
		map.from(settings.getAcquireRetry()).to(configuration::acquireRetry);
		map.from(settings.getValidationQuery()).when(StringUtils::hasText).to(configuration::validationQuery);
		map.from(settings.getValidationDepth()).to(configuration::validationDepth);
		if (prepare != null) {
			configuration.postAllocate(prepare);
		}
		this.pool = new ConnectionPool(configuration.build());
		this.name = name;
		this.client = DatabaseClient.create(this.pool);
	}

	/** The pool, for statements that go to the driver directly. */
	public ConnectionFactory pool() {
		return this.pool;
	}

	public DatabaseClient client() {
		return this.client;
	}

	/**
	 * Spring Boot's R2DBC pool meters ({@code r2dbc.pool.*}), tagged with this pool's
	 * name where the application's pool is tagged {@code connectionFactory}.
	 */
	@Override
	public void bindTo(MeterRegistry registry) {
		new ConnectionPoolMetrics(this.pool, this.name, Tags.empty()).bindTo(registry);
	}

	@Override
	public void destroy() {
		try {
			this.pool.dispose();
		}
		catch (RuntimeException ex) {
			// Closing connections to a database that is gone already: nothing left to
			// close.
		}
	}

}
