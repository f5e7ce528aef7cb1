package dev.channels.gateway.observer;

import java.io.IOException;
import java.util.function.BooleanSupplier;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;

/**
 * Shows every buffer of the request body to a {@link BodyTap} on its way to the sink.
 */
final class TappedRequest extends ServerHttpRequestDecorator {

	private final BodyTap tap;

	private final BooleanSupplier serverAnsweredItself;

	private final BooleanSupplier connectionClosed;

	/**
	 * @param serverAnsweredItself whether the server has answered the client behind the
	 * gateway's back, as reactor-netty does for a body it cannot decode
	 * @param connectionClosed whether the client's connection is closed
	 */
	TappedRequest(ServerHttpRequest delegate, BodyTap tap, BooleanSupplier serverAnsweredItself,
			BooleanSupplier connectionClosed) {
		super(delegate);
		this.tap = tap;
		this.serverAnsweredItself = serverAnsweredItself;
		this.connectionClosed = connectionClosed;
	}

	@Override
	public Flux<DataBuffer> getBody() {
		// reactor-netty ends some bodies as if they were complete when they are not: one
		// it cannot decode (a malformed chunk size, which it answers 400 itself), and one
		// whose client paused past the read timeout. Passed on, the sink would take a cut
		// body for the whole one. It fails instead, so the request breaks off at the sink
		// too.
		Mono<DataBuffer> cutShort = Mono.defer(() -> {
			if (this.serverAnsweredItself.getAsBoolean()) {
				return Mono.error(IncompleteBodyException.malformed(this.tap.size()));
			}
			long declared = getHeaders().getContentLength();
			if (declared >= 0 && this.tap.size() < declared) {
				return Mono.error(IncompleteBodyException.endedShort(this.tap.size(), declared));
			}
			// A chunked body has no length to hold it to. One that ends as its connection
			// closes ended with the close, not with its last chunk: a client that sent it
			// whole keeps the connection to read the answer.
			if (declared < 0 && this.connectionClosed.getAsBoolean()) {
				return Mono.error(IncompleteBodyException.closedMidBody(this.tap.size()));
			}
			return Mono.empty();
		});
		return super.getBody().doOnSubscribe((subscription) -> this.tap.subscribed())
			.doOnNext(this.tap::update)
			.concatWith(cutShort)
			.doOnComplete(this.tap::completed);
	}

	/**
	 * The client's request body ended before it was whole.
	 */
	static final class IncompleteBodyException extends IOException {

		private IncompleteBodyException(String message) {
			super(message);
		}

		/** The body could not be decoded; the server has answered it already. */
		static IncompleteBodyException malformed(long bytesRead) {
			return new IncompleteBodyException("client sent a request body that is not valid HTTP after " + bytesRead
					+ " bytes; the server answered it 400 and closed the connection");
		}

		/** The client's connection closed before the body's last chunk. */
		static IncompleteBodyException closedMidBody(long bytesRead) {
			return new IncompleteBodyException("client's connection closed after " + bytesRead
					+ " bytes of a request body without a length, before its end");
		}

		/** The body ended short of its declared length: the client stalled or left. */
		static IncompleteBodyException endedShort(long bytesRead, long declared) {
			return new IncompleteBodyException(endedShortMessage(bytesRead, declared));
		}

		static String endedShortMessage(long bytesRead, long declared) {
			return "client's request body ended after " + bytesRead + " of " + declared + " declared bytes";
		}

	}

}
