package dev.channels.gateway.access;

import org.springframework.http.HttpStatus;

/** What a channel decided about a client's credentials. */
sealed interface Verdict {

	/**
	 * The client may send through the channel.
	 *
	 * @param principal who it is, as recorded: {@code api-key:<id>},
	 * {@code basic:<username>} or {@code jwt:<sub>}
	 */
	record Admitted(String principal) implements Verdict {
	}

	/**
	 * The client may not.
	 *
	 * @param reason a short name for why, for the metric and the answer
	 * ({@code missing_credentials}, {@code invalid_api_key}, ...)
	 * @param message why, in words that hold no credential
	 * @param status 401, or 503 when the credentials could not be checked
	 * @param bearerError the RFC 6750 error code for the Bearer challenge, if a token was
	 * refused
	 */
	record Refused(String reason, String message, HttpStatus status, String bearerError) implements Verdict {

		static Refused unauthorized(String reason, String message) {
			return new Refused(reason, message, HttpStatus.UNAUTHORIZED, "");
		}

	}

}
