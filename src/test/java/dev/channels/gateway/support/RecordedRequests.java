package dev.channels.gateway.support;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.awaitility.Awaitility;
import org.postgresql.ds.PGSimpleDataSource;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Reads what the gateway recorded, straight from PostgreSQL over JDBC.
 */
public final class RecordedRequests {

	private final JdbcClient jdbc;

	public RecordedRequests(TestDatabase database) {
		this(database.jdbcUrl(), database.username(), database.password());
	}

	public RecordedRequests(String jdbcUrl, String username, String password) {
		PGSimpleDataSource dataSource = new PGSimpleDataSource();
		dataSource.setURL(jdbcUrl);
		dataSource.setUser(username);
		dataSource.setPassword(password);
		this.jdbc = JdbcClient.create(dataSource);
	}

	public JdbcClient jdbc() {
		return this.jdbc;
	}

	public Optional<Map<String, Object>> request(UUID id) {
		return this.jdbc.sql("SELECT * FROM channel_requests WHERE id = ?")
			.param(id)
			.query()
			.listOfRows()
			.stream()
			.findFirst();
	}

	public List<Map<String, Object>> events(UUID requestId) {
		return this.jdbc
			.sql("SELECT *, request_headers::text AS request_headers_json, "
					+ "response_headers::text AS response_headers_json, redactions::text AS redactions_json "
					+ "FROM channel_events WHERE channel_request_id = ?")
			.param(requestId)
			.query()
			.listOfRows();
	}

	/** The request's rows in {@code channel_outcomes}, the charts' source (V8). */
	public List<Map<String, Object>> outcomes(UUID requestId) {
		return this.jdbc.sql("SELECT * FROM channel_outcomes WHERE request_id = ?")
			.param(requestId)
			.query()
			.listOfRows();
	}

	/**
	 * Waits for the request's outcome to be written, then returns its row and its one
	 * event. Also checks that the statement that closed it wrote its one row of
	 * {@code channel_outcomes}, agreeing with the request's row: every test that waits
	 * for an outcome checks the charts' source of that way of closing a request.
	 */
	public Recorded awaitOutcome(UUID id) {
		Awaitility.await()
			.atMost(Duration.ofSeconds(15))
			.pollInterval(Duration.ofMillis(20))
			.until(() -> request(id).map((row) -> !"pending".equals(row.get("state"))).orElse(false));
		List<Map<String, Object>> events = events(id);
		if (events.size() != 1) {
			throw new AssertionError("Expected one event for " + id + ", found " + events.size());
		}
		Map<String, Object> request = request(id).orElseThrow();
		assertOneAgreeingOutcome(request);
		return new Recorded(request, events.get(0));
	}

	/**
	 * Fails unless the closed request has exactly one row in {@code channel_outcomes}
	 * with its channel, start, state and latency.
	 */
	public void assertOneAgreeingOutcome(Map<String, Object> request) {
		UUID id = (UUID) request.get("id");
		List<Map<String, Object>> outcomes = outcomes(id);
		if (outcomes.size() != 1) {
			throw new AssertionError("Expected one channel_outcomes row for " + id + ", found " + outcomes.size());
		}
		Map<String, Object> outcome = outcomes.get(0);
		for (String column : List.of("channel_id", "started_at", "state", "latency_ms")) {
			if (!java.util.Objects.equals(outcome.get(column), request.get(column))) {
				throw new AssertionError("channel_outcomes." + column + " of " + id + " is " + outcome.get(column)
						+ ", the request's is " + request.get(column));
			}
		}
	}

	/**
	 * Every row of every table of the schema, as text, with binary values that hold text
	 * as text: a secret stored anywhere is found in it.
	 */
	public String dumpAsText() {
		List<String> tables = this.jdbc
			.sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
			.query(String.class)
			.list();
		if (!tables.containsAll(List.of("channel_requests", "channel_events", "channel_snapshots"))) {
			throw new IllegalStateException("the schema has not the tables of the record: " + tables);
		}
		StringBuilder dump = new StringBuilder();
		for (String table : tables) {
			// bytea as UTF-8 text where it is, so that a secret in a preview is found.
			List<String> rows = this.jdbc
				.sql("SELECT t::text || ' ' || coalesce((SELECT string_agg(encode(v::bytea, 'escape'), ' ') "
						+ "FROM jsonb_each_text(to_jsonb(t)) AS j (k, v) WHERE v LIKE '\\\\x%'), '') FROM \"" + table
						+ "\" t")
				.query(String.class)
				.list();
			dump.append(table).append('\n').append(String.join("\n", rows)).append('\n');
		}
		return dump.toString();
	}

	/**
	 * A recorded request and its event, column by column.
	 *
	 * @param request the {@code channel_requests} row
	 * @param event the {@code channel_events} row
	 */
	public record Recorded(Map<String, Object> request, Map<String, Object> event) {

		public String state() {
			return (String) this.request.get("state");
		}

	}

}
