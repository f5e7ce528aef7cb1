package dev.channels.gateway.observer;

import reactor.core.publisher.Flux;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;

/**
 * Shows every buffer of the request body to a {@link BodyTap} on its way to the sink.
 */
final class TappedRequest extends ServerHttpRequestDecorator {

	private final BodyTap tap;

	TappedRequest(ServerHttpRequest delegate, BodyTap tap) {
		super(delegate);
		this.tap = tap;
	}

	@Override
	public Flux<DataBuffer> getBody() {
		return super.getBody()
			.doOnSubscribe((subscription) -> this.tap.subscribed())
			.doOnNext(this.tap::update)
			.doOnComplete(this.tap::completed);
	}

}
