package dev.channels.gateway.recording;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Real database errors on demand, for the shared test channels: PostgreSQL refuses the
 * request rows of the {@code unrecordable} channel and the {@code sink_response} events
 * of the {@code broken-outcome} channel.
 */
final class RefusedRows {

	private RefusedRows() {
	}

	/** Installs the triggers (again: it is idempotent). */
	static void install(JdbcClient jdbc) {
		jdbc.sql("""
				CREATE OR REPLACE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS
				$$ BEGIN RAISE EXCEPTION 'simulated failure in %', TG_TABLE_NAME; END $$""").update();
		jdbc.sql("""
				CREATE OR REPLACE TRIGGER refuse_unrecordable BEFORE INSERT ON channel_requests FOR EACH ROW
				WHEN (NEW.channel_id = 'unrecordable') EXECUTE FUNCTION test_refuse()""").update();
		jdbc.sql("""
				CREATE OR REPLACE TRIGGER refuse_broken_outcome BEFORE INSERT ON channel_events FOR EACH ROW
				WHEN (NEW.request_path LIKE '/channels/broken-outcome/%' AND NEW.type = 'sink_response')
				EXECUTE FUNCTION test_refuse()""").update();
	}

}
