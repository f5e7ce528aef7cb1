package dev.channels.gateway.history;

import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@link Cursor}: an opaque token that carries a row's position to the microsecond, and
 * is refused when it is anything else.
 */
class HistoryCursorTests {

	@Test
	void aCursorSurvivesItsToken() {
		Cursor cursor = new Cursor(Instant.parse("2026-03-04T05:06:07.123456Z"), UUID.randomUUID());

		String token = cursor.encode();

		assertThat(token).matches("[A-Za-z0-9_-]+");
		assertThat(Cursor.decode(token)).isEqualTo(cursor);
	}

	@Test
	void anythingElseIsAnInvalidCursor() {
		for (String token : new String[] { "", "!!", "bm9wZQ", "MjAyNi0wMy0wNHx4" }) {
			assertThatExceptionOfType(InvalidParameterException.class).as(token)
				.isThrownBy(() -> Cursor.decode(token))
				.satisfies((ex) -> assertThat(ex.parameter()).isEqualTo("cursor"));
		}
	}

}
