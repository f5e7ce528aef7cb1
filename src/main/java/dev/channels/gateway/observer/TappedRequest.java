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

	/**
	 * @param serverAnsweredItself whether the server has answered the client behind the
	 * gateway's back, as reactor-netty does for a body it cannot decode
	 */
	TappedRequest(ServerHttpRequest delegate, BodyTap tap, BooleanSupplier serverAnsweredItself) {
		super(delegate);
		this.tap = tap;
		this.serverAnsweredItself = serverAnsweredItself;
	}

	@Override
	public Flux<DataBuffer> getBody() {
		// reactor-netty answers a body it cannot decode (a malformed chunk size) with 400 itself
		// and then ends the body as if it were complete: passed on, the sink would take a cut
		// body for the whole one. It fails instead, so the request breaks off at the sink too.
		Mono<DataBuffer> cutShort = Mono.defer(() -> this.serverAnsweredItself.getAsBoolean()
				? Mono.error(new MalformedBodyException(this.tap.size())) : Mono.empty());
		return super.getBody()
			.doOnSubscribe((subscription) -> this.tap.subscribed())
			.doOnNext(this.tap::update)
			.concatWith(cutShort)
			.doOnComplete(this.tap::completed);
	}

	/**
	 * The client's request body could not be decoded; the server has answered it already.
	 */
	static final class MalformedBodyException extends IOException {

		MalformedBodyException(long bytesRead) {
			super("client sent a request body that is not valid HTTP after " + bytesRead
					+ " bytes; the server answered it 400 and closed the connection");
		}

	}

}
