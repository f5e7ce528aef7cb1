package dev.channels.gateway.history;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.UUID;

/**
 * Where a page of the request list ended: the {@code (started_at, id)} of its last row.
 * The next page is the rows strictly after it in {@code started_at DESC, id DESC} order,
 * so rows inserted meanwhile never shift a page (no duplicates, no gaps), and each page
 * is an index range scan whatever its depth.
 * <p>
 * Sent to clients as an opaque token: the Base64url (unpadded) of
 * {@code <started_at ISO-8601>|<id>}.
 *
 * @param startedAt the last row's {@code started_at}, to the microsecond
 * @param id the last row's id
 */
record Cursor(Instant startedAt, UUID id) {

	String encode() {
		String text = this.startedAt + "|" + this.id;
		return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.US_ASCII));
	}

	/**
	 * @throws InvalidParameterException when the token is not one that {@link #encode}
	 * made
	 */
	static Cursor decode(String token) {
		try {
			String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.US_ASCII);
			int bar = text.indexOf('|');
			if (bar < 0) {
				throw new IllegalArgumentException("no separator");
			}
			return new Cursor(Instant.parse(text.substring(0, bar)), UUID.fromString(text.substring(bar + 1)));
		}
		catch (IllegalArgumentException | DateTimeParseException ex) {
			throw new InvalidParameterException("cursor", "is not a cursor this API returned");
		}
	}

}
