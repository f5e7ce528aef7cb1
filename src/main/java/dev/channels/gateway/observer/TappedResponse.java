package dev.channels.gateway.observer;

import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;

/**
 * Shows every buffer of the response body to a {@link BodyTap} on its way to the client,
 * through both {@link #writeWith} and {@link #writeAndFlushWith} (the gateway streams
 * event streams and NDJSON through the latter), and tells the exchange when the sink's
 * status arrives and how the write ended.
 */
final class TappedResponse extends ServerHttpResponseDecorator {

	private final ObservedExchange<?> exchange;

	private final BodyTap tap;

	TappedResponse(ServerHttpResponse delegate, ObservedExchange<?> exchange, BodyTap tap) {
		super(delegate);
		this.exchange = exchange;
		this.tap = tap;
	}

	@Override
	public boolean setStatusCode(HttpStatusCode status) {
		boolean set = super.setStatusCode(status);
		// NettyRoutingFilter sets the status as soon as the sink's headers arrive.
		this.exchange.sinkMayHaveAnswered();
		return set;
	}

	@Override
	public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
		this.exchange.writeStarting(getHeaders().getContentLength());
		return super.writeWith(tapped(body)).doOnSuccess((done) -> this.exchange.writeCompleted());
	}

	@Override
	public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
		this.exchange.writeStarting(getHeaders().getContentLength());
		Flux<Flux<DataBuffer>> chunks = Flux.from(body)
			.doOnSubscribe((subscription) -> this.tap.subscribed())
			.map(this::tappedChunk)
			.doOnComplete(this.tap::completed)
			.doOnError((error) -> this.exchange.sinkBodyFailed());
		return super.writeAndFlushWith(chunks).doOnSuccess((done) -> this.exchange.writeCompleted());
	}

	private Flux<DataBuffer> tapped(Publisher<? extends DataBuffer> body) {
		// Errors that come down the body come from the sink; a failing write to the
		// client reaches the body as a cancel instead.
		return Flux.<DataBuffer>from(body)
			.doOnSubscribe((subscription) -> this.tap.subscribed())
			.doOnNext(this.tap::update)
			.doOnComplete(this.tap::completed)
			.doOnError((error) -> this.exchange.sinkBodyFailed());
	}

	private Flux<DataBuffer> tappedChunk(Publisher<? extends DataBuffer> chunk) {
		return Flux.<DataBuffer>from(chunk)
			.doOnNext(this.tap::update)
			.doOnError((error) -> this.exchange.sinkBodyFailed());
	}

}
