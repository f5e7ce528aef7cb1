package dev.channels.gateway.history;

import java.time.Duration;

import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Result;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import dev.channels.gateway.database.SeparatePool;

import org.springframework.boot.r2dbc.autoconfigure.R2dbcProperties;

/**
 * The database as the history API reads it: a small connection pool of its own, apart
 * from the pools that recording writes through, so that reading the history can never
 * keep a request's row or an outcome waiting for a connection. Each connection is
 * read-only, plans every statement with its values, uses no parallel workers and has a
 * statement timeout, so an expensive query ends instead of holding one of the two
 * connections.
 * <p>
 * Not a {@link ConnectionFactory} bean, so that Spring Boot still builds the
 * application's.
 */
final class HistoryDatabase extends SeparatePool {

	/** Connections the history may hold at once. */
	static final int SIZE = 2;

	/** Longest a history statement may run before PostgreSQL cancels it. */
	static final Duration STATEMENT_TIMEOUT = Duration.ofSeconds(5);

	/**
	 * @param application the application's connection factory (Spring Boot's pool)
	 * @param settings Spring Boot's pool settings, for the timeouts
	 */
	HistoryDatabase(ConnectionFactory application, R2dbcProperties.Pool settings) {
		super(application, settings, "channels-history", SIZE, HistoryDatabase::prepare);
	}

	// Once per new connection: the session settings every history statement runs under.
	// - statement_timeout: an expensive query (a rare status over millions of rows, a
	// summary of a month) ends with an error rather than holding one of the two
	// connections.
	// - read-only: nothing here writes.
	// - plan_cache_mode: the driver keeps statements prepared, and after five runs
	// PostgreSQL may reuse a generic plan made without the values; for a quiet channel
	// with a cursor that plan walks the whole (started_at, id) index (measured: 340 ms
	// against 0.1 ms on 2 million rows, docs/design.md). Planning each run costs a
	// fraction of a millisecond.
	// - no parallel workers: the history takes at most two backends of the database's
	// CPU, whatever it asks, and the recording keeps the rest.
	// - no JIT: a chart of a busy channel is estimated costly enough for PostgreSQL to
	// compile it, and with every run planned anew it is compiled anew each time: 60 to
	// 100 ms of a 300 ms answer, more than compiling saves (measured, docs/design.md,
	// "Charts").
	// - work_mem 32 MB: a summary sorts all the window's latencies at once, and a day
	// of a busy channel (a million) overflows the default 4 MB to disk, taking twice as
	// long; 32 MB sorts about 1.3 million in memory. At most SIZE sessions hold it.
	private static Mono<Void> prepare(Connection connection) {
		String settings = "SET statement_timeout = " + STATEMENT_TIMEOUT.toMillis()
				+ "; SET default_transaction_read_only = on; SET plan_cache_mode = force_custom_plan"
				+ "; SET max_parallel_workers_per_gather = 0; SET jit = off; SET work_mem = '32MB'";
		return Flux.from(connection.createStatement(settings).execute()).flatMap(Result::getRowsUpdated).then();
	}

}
