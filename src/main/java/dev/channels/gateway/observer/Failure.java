package dev.channels.gateway.observer;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Optional;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpObjectDecoder;
import org.jspecify.annotations.Nullable;
import reactor.netty.channel.AbortedException;
import reactor.netty.http.client.PrematureCloseException;

import org.springframework.cloud.gateway.support.TimeoutException;
import org.springframework.http.HttpStatus;

/**
 * What an error that ended an exchange means: whose fault it was, what to tell the client
 * and how to describe it in the record.
 * <p>
 * Stock Spring Cloud Gateway answers a refused connection with 500; for a proxy the
 * sink's faults are 502 and its slowness 504, so those errors carry the status the client
 * gets.
 *
 * @param kind the outcome the error leads to
 * @param description what went wrong, in words
 * @param clientStatus the status to answer with while the response is not committed, or
 * {@code null} to leave the error to the gateway's error handling
 */
record Failure(ExchangeOutcome.Kind kind, String description, @Nullable HttpStatus clientStatus) {

	/**
	 * Classifies an error that ended the exchange.
	 * @param error the error
	 * @param fromSinkBody whether the error came down the sink's response body
	 * @param sinkAnswered whether the sink's status and headers had arrived
	 * @param responseBytes the response bytes relayed before the error
	 */
	static Failure of(Throwable error, boolean fromSinkBody, boolean sinkAnswered, long responseBytes) {
		Optional<TappedRequest.IncompleteBodyException> incomplete = Causes.find(error,
				TappedRequest.IncompleteBodyException.class);
		if (incomplete.isPresent()) {
			return new Failure(ExchangeOutcome.Kind.CLIENT_ABORTED, incomplete.get().getMessage(), null);
		}
		Optional<NotForwardedException> notForwarded = Causes.find(error, NotForwardedException.class);
		if (notForwarded.isPresent()) {
			return new Failure(ExchangeOutcome.Kind.SINK_FAILED, notForwarded.get().getMessage(),
					notForwarded.get().status());
		}
		if (has(error, TimeoutException.class)) {
			return new Failure(ExchangeOutcome.Kind.TIMED_OUT,
					"sink sent no response within the response timeout: " + message(error), HttpStatus.GATEWAY_TIMEOUT);
		}
		if (has(error, ConnectTimeoutException.class)) {
			return new Failure(ExchangeOutcome.Kind.TIMED_OUT, "connecting to the sink timed out: " + message(error),
					HttpStatus.GATEWAY_TIMEOUT);
		}
		if (fromSinkBody) {
			return sinkFailed("sink broke off its response body after " + responseBytes + " bytes: " + message(error));
		}
		if (fromHttpDecoder(error)) {
			return sinkFailed("sink sent a response that is not valid HTTP: " + message(error));
		}
		if (has(error, ConnectException.class)) {
			return sinkFailed("sink refused the connection: " + message(error));
		}
		if (has(error, UnknownHostException.class)) {
			return sinkFailed("sink host is unknown: " + message(error));
		}
		if (has(error, PrematureCloseException.class)) {
			return sinkFailed("sink closed the connection before responding: " + message(error));
		}
		if (sinkAnswered && (has(error, AbortedException.class) || has(error, IOException.class))) {
			return new Failure(ExchangeOutcome.Kind.CLIENT_ABORTED,
					"client connection failed after " + responseBytes + " response bytes: " + message(error), null);
		}
		if (has(error, IOException.class)) {
			return sinkFailed("sink connection failed: " + message(error));
		}
		return new Failure(ExchangeOutcome.Kind.INTERNAL_ERROR, "gateway failed: " + message(error), null);
	}

	/** The same failure, described otherwise. */
	Failure withDescription(String description) {
		return new Failure(this.kind, description, this.clientStatus);
	}

	private static Failure sinkFailed(String description) {
		return new Failure(ExchangeOutcome.Kind.SINK_FAILED, description, HttpStatus.BAD_GATEWAY);
	}

	// A sink's response that Netty's HTTP decoder refuses (a control character in a
	// header, a header section over the client's limit) arrives as the decoder's own
	// exception, often a bare IllegalArgumentException; it is the sink's fault, not the
	// gateway's (500). The server's decoder never fails an exchange: reactor-netty
	// answers those requests itself.
	private static boolean fromHttpDecoder(Throwable error) {
		return Causes.any(error, (cause) -> cause instanceof DecoderException || Arrays.stream(cause.getStackTrace())
			.anyMatch((frame) -> frame.getClassName().equals(HttpObjectDecoder.class.getName())));
	}

	private static boolean has(Throwable error, Class<? extends Throwable> type) {
		return Causes.find(error, type).isPresent();
	}

	// The deepest message says what happened; wrappers add their own class names.
	private static String message(Throwable error) {
		Throwable root = Causes.root(error);
		String message = root.getMessage();
		return root.getClass().getSimpleName() + ((message != null) ? ": " + message : "");
	}

}
