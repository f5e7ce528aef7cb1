package dev.channels.gateway.observer;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;

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
		TappedRequest.IncompleteBodyException incomplete = find(error, TappedRequest.IncompleteBodyException.class);
		if (incomplete != null) {
			return new Failure(ExchangeOutcome.Kind.CLIENT_ABORTED, incomplete.getMessage(), null);
		}
		if (find(error, TimeoutException.class) != null) {
			return new Failure(ExchangeOutcome.Kind.TIMED_OUT,
					"sink sent no response within the response timeout: " + message(error), HttpStatus.GATEWAY_TIMEOUT);
		}
		if (find(error, ConnectTimeoutException.class) != null) {
			return new Failure(ExchangeOutcome.Kind.TIMED_OUT, "connecting to the sink timed out: " + message(error),
					HttpStatus.GATEWAY_TIMEOUT);
		}
		if (fromSinkBody) {
			return sinkFailed("sink broke off its response body after " + responseBytes + " bytes: " + message(error));
		}
		if (fromHttpDecoder(error)) {
			return sinkFailed("sink sent a response that is not valid HTTP: " + message(error));
		}
		if (find(error, ConnectException.class) != null) {
			return sinkFailed("sink refused the connection: " + message(error));
		}
		if (find(error, UnknownHostException.class) != null) {
			return sinkFailed("sink host is unknown: " + message(error));
		}
		if (find(error, PrematureCloseException.class) != null) {
			return sinkFailed("sink closed the connection before responding: " + message(error));
		}
		if (sinkAnswered && (find(error, AbortedException.class) != null || find(error, IOException.class) != null)) {
			return new Failure(ExchangeOutcome.Kind.CLIENT_ABORTED,
					"client connection failed after " + responseBytes + " response bytes: " + message(error), null);
		}
		if (find(error, IOException.class) != null) {
			return sinkFailed("sink connection failed: " + message(error));
		}
		return new Failure(ExchangeOutcome.Kind.INTERNAL_ERROR, "gateway failed: " + message(error), null);
	}

	private static Failure sinkFailed(String description) {
		return new Failure(ExchangeOutcome.Kind.SINK_FAILED, description, HttpStatus.BAD_GATEWAY);
	}

	// A sink's response that Netty's HTTP decoder refuses (a control character in a
	// header, a
	// header section over the client's limit) arrives as the decoder's own exception,
	// often a
	// bare IllegalArgumentException; it is the sink's fault, not the gateway's (500). The
	// server's decoder never fails an exchange: reactor-netty answers those requests
	// itself.
	private static boolean fromHttpDecoder(Throwable error) {
		for (Throwable candidate = error; candidate != null; candidate = candidate.getCause()) {
			if (candidate instanceof DecoderException) {
				return true;
			}
			for (StackTraceElement frame : candidate.getStackTrace()) {
				if (frame.getClassName().equals(HttpObjectDecoder.class.getName())) {
					return true;
				}
			}
			if (candidate.getCause() == candidate) {
				break;
			}
		}
		return false;
	}

	private static <T extends Throwable> @Nullable T find(Throwable error, Class<T> type) {
		for (Throwable candidate = error; candidate != null; candidate = candidate.getCause()) {
			if (type.isInstance(candidate)) {
				return type.cast(candidate);
			}
			if (candidate.getCause() == candidate) {
				break;
			}
		}
		return null;
	}

	// The deepest message says what happened; wrappers add their own class names.
	private static String message(Throwable error) {
		Throwable root = error;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		String message = root.getMessage();
		return root.getClass().getSimpleName() + ((message != null) ? ": " + message : "");
	}

}
