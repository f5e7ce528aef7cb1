package dev.channels.gateway.history;

import java.time.Duration;

import io.r2dbc.spi.ConnectionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

import dev.channels.gateway.support.GatewayIntegrationTest;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.r2dbc.autoconfigure.R2dbcProperties;
import org.springframework.dao.DataAccessException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The history's own pool: sessions that are read-only, planned with their values, without
 * parallel workers, and cut off by the statement timeout; and no more than two of them.
 */
class HistoryDatabaseIntegrationTests extends GatewayIntegrationTest {

	@Autowired
	private ConnectionFactory connectionFactory;

	@Autowired
	private R2dbcProperties r2dbc;

	private HistoryDatabase database;

	@BeforeEach
	void setUp() {
		this.database = new HistoryDatabase(this.connectionFactory, this.r2dbc.getPool());
	}

	@AfterEach
	void tearDown() {
		this.database.destroy();
	}

	@Test
	void sessionsAreReadOnlyPlannedWithTheirValuesWithoutParallelWorkersOrJitAndSortInMemory() {
		String settings = this.database.client()
			.sql("SELECT current_setting('statement_timeout') || ' ' || current_setting('transaction_read_only') || ' '"
					+ " || current_setting('plan_cache_mode') || ' ' || current_setting('max_parallel_workers_per_gather')"
					+ " || ' ' || current_setting('jit') || ' ' || current_setting('work_mem')")
			.map((row) -> row.get(0, String.class))
			.one()
			.block(Duration.ofSeconds(10));

		assertThat(settings).isEqualTo("5s on force_custom_plan 0 off 32MB");
	}

	@Test
	void writesAreRefused() {
		StepVerifier.create(this.database.client().sql("DELETE FROM channel_requests WHERE false").then())
			.expectErrorSatisfies((error) -> assertThat(error).isInstanceOf(DataAccessException.class)
				.hasMessageContaining("read-only"))
			.verify(Duration.ofSeconds(10));
	}

	@Test
	void aStatementRunningLongerThanTheTimeoutIsCancelled() {
		long started = System.nanoTime();

		StepVerifier.create(this.database.client().sql("SELECT pg_sleep(30)").then())
			.expectErrorSatisfies(
					(error) -> assertThat(HistoryHandler.isStatementTimeout(error)).as(error.toString()).isTrue())
			.verify(Duration.ofSeconds(15));

		assertThat(Duration.ofNanos(System.nanoTime() - started)).isBetween(HistoryDatabase.STATEMENT_TIMEOUT,
				HistoryDatabase.STATEMENT_TIMEOUT.plusSeconds(5));
	}

	@Test
	void atMostTwoStatementsRunAtOnce() {
		// Four statements of 400 ms at once: two rounds of two on two connections.
		long started = System.nanoTime();

		StepVerifier
			.create(Flux.range(0, 4).flatMap((i) -> this.database.client().sql("SELECT pg_sleep(0.4)").then()).then())
			.verifyComplete();

		assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(800));
	}

}
