package dev.channels.gateway.observer;

import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;

/**
 * An observer's decision on a new exchange: forward it, or answer the client at once.
 *
 * @param <S> the observer's state type
 * @param state the state threaded to the later callbacks
 * @param rejection the answer to the client, or {@code null} to forward the exchange
 */
public record Admission<S>(S state, @Nullable Rejection rejection) {

	public static <S> Admission<S> proceed(S state) {
		return new Admission<>(state, null);
	}

	public static <S> Admission<S> reject(S state, HttpStatusCode status, String json) {
		return new Admission<>(state,
				new Rejection(status, MediaType.APPLICATION_JSON, json.getBytes(StandardCharsets.UTF_8)));
	}

	public boolean rejected() {
		return this.rejection != null;
	}

	/**
	 * The response that replaces forwarding.
	 *
	 * @param status the status sent to the client
	 * @param contentType the type of the body
	 * @param body the body bytes
	 */
	public record Rejection(HttpStatusCode status, MediaType contentType, byte[] body) {
	}

}
