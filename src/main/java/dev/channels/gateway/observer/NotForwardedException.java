package dev.channels.gateway.observer;

import org.springframework.http.HttpStatus;

/**
 * Thrown by a filter that runs after the {@link ObservingFilter} admitted an exchange,
 * when something the gateway needs to forward it (the sink's credentials, say) cannot be
 * had: the exchange is not forwarded, the client gets the status, and the record says
 * why, as an error.
 */
public class NotForwardedException extends RuntimeException {

	private final HttpStatus status;

	/**
	 * @param status what the client is answered
	 * @param reason why the exchange was not forwarded, in words that hold no secret
	 */
	public NotForwardedException(HttpStatus status, String reason) {
		super(reason);
		this.status = status;
	}

	public HttpStatus status() {
		return this.status;
	}

}
