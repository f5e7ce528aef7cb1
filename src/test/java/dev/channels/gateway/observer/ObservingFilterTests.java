package dev.channels.gateway.observer;

import java.net.ConnectException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import reactor.util.context.Context;

import dev.channels.gateway.observer.ExchangeOutcome.Kind;
import dev.channels.gateway.observer.RecordingTestObserver.Observed;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ResponseStatusException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The engine's control flow on mock exchanges; the integration tests cover real traffic.
 */
class ObservingFilterTests {

	private final RecordingTestObserver observer = new RecordingTestObserver();

	private final ObservingFilter<String> filter = new ObservingFilter<>(this.observer, (route) -> 1024, Long.MAX_VALUE,
			(address) -> false);

	@Test
	void exchangeOutsideEveryChannelPassesThroughUnobserved() {
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/elsewhere"));
		AtomicBoolean chained = new AtomicBoolean();

		StepVerifier.create(this.filter.filter(exchange, (e) -> Mono.fromRunnable(() -> chained.set(true))))
			.expectComplete()
			.verify(Duration.ofSeconds(5));

		assertThat(chained).isTrue();
		assertThat(this.observer.withPath("/")).isEmpty();
	}

	@Test
	void nothingIsObservedForAnExchangeThatIsNeverSubscribed() {
		MockServerWebExchange exchange = channelExchange("echo", "/channels/echo/never-subscribed");

		this.filter.filter(exchange, (e) -> Mono.empty());

		assertThat(this.observer.withPath("/channels/echo/never-subscribed")).isEmpty();
	}

	@Test
	void theAdmissionRunsInTheExchangesReactorContext() {
		AtomicReference<String> finished = new AtomicReference<>();
		ExchangeObserver<String> contextual = new ExchangeObserver<>() {

			@Override
			public Mono<Admission<String>> requestStarted(RequestStart request) {
				return Mono
					.deferContextual((context) -> Mono.just(Admission.proceed(context.getOrDefault("tenant", "none"))));
			}

			@Override
			public String responseStarted(String state, ResponseStart response) {
				return state;
			}

			@Override
			public void responseFinished(String state, ExchangeOutcome outcome) {
				finished.set(state);
			}

		};
		ObservingFilter<String> filter = new ObservingFilter<>(contextual, (route) -> 1024, Long.MAX_VALUE,
				(address) -> false);

		StepVerifier
			.create(filter.filter(channelExchange("echo", "/channels/echo/context"), (e) -> Mono.empty())
				.contextWrite(Context.of("tenant", "acme")))
			.expectComplete()
			.verify(Duration.ofSeconds(5));

		Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(finished).hasValue("acme"));
	}

	@Test
	void rejectedExchangeIsAnsweredWithoutCallingTheChain() {
		MockServerWebExchange exchange = channelExchange("unrecordable", "/channels/unrecordable/x");
		AtomicBoolean chained = new AtomicBoolean();

		StepVerifier.create(this.filter.filter(exchange, (e) -> Mono.fromRunnable(() -> chained.set(true))))
			.expectComplete()
			.verify(Duration.ofSeconds(5));

		assertThat(chained).isFalse();
		assertThat(exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
		StepVerifier.create(exchange.getResponse().getBodyAsString())
			.expectNext(RecordingTestObserver.REJECTION)
			.expectComplete()
			.verify(Duration.ofSeconds(5));
		assertThat(onlyExchange("/channels/unrecordable/x").finish().outcome().kind()).isEqualTo(Kind.REJECTED);
	}

	@Test
	void refusedConnectionBecomesABadGatewayAndFinishesOnce() {
		MockServerWebExchange exchange = channelExchange("echo", "/channels/echo/refused");
		GatewayFilterChain refusing = (e) -> Mono.error(new ConnectException("Connection refused"));

		StepVerifier.create(this.filter.filter(exchange, refusing))
			.expectErrorSatisfies((error) -> assertThat(error).isInstanceOf(ResponseStatusException.class)
				.satisfies((e) -> assertThat(((ResponseStatusException) e).getStatusCode())
					.isEqualTo(HttpStatus.BAD_GATEWAY)))
			.verify(Duration.ofSeconds(5));

		ExchangeOutcome outcome = onlyExchange("/channels/echo/refused").finish().outcome();
		assertThat(outcome.kind()).isEqualTo(Kind.SINK_FAILED);
		assertThat(outcome.clientStatus()).isEqualTo(502);
	}

	@Test
	void cancelledExchangeFinishesOnceAsAbortedByTheClient() {
		MockServerWebExchange exchange = channelExchange("echo", "/channels/echo/never");

		StepVerifier.create(this.filter.filter(exchange, (e) -> Mono.never()))
			.expectSubscription()
			.thenAwait(Duration.ofMillis(50))
			.thenCancel()
			.verify(Duration.ofSeconds(5));

		Observed observed = onlyExchange("/channels/echo/never");
		ExchangeOutcome outcome = this.observer.awaitFinished(observed.request.id()).finish().outcome();
		assertThat(outcome.kind()).isEqualTo(Kind.CLIENT_ABORTED);
		assertThat(outcome.failure()).isEqualTo("client closed the connection before the sink answered");
	}

	@Test
	void clientThatClosesOnceItHasEveryDeclaredByteGotTheWholeResponse() {
		// The client has the whole body when all declared bytes have gone out; its close
		// can overtake the end of the sink's body on its way through the gateway (seen
		// with a 64 MiB download in the benchmark).
		MockServerWebExchange exchange = channelExchange("echo", "/channels/echo/declared");
		byte[] body = "four".getBytes();
		GatewayFilterChain answering = (e) -> {
			e.getResponse().setStatusCode(HttpStatus.OK);
			e.getResponse().getHeaders().setContentLength(body.length);
			Flux<DataBuffer> withoutEnd = Flux.concat(Mono.just(DefaultDataBufferFactory.sharedInstance.wrap(body)),
					Flux.never());
			return e.getResponse().writeWith(withoutEnd);
		};

		StepVerifier.create(this.filter.filter(exchange, answering))
			.expectSubscription()
			.thenAwait(Duration.ofMillis(50))
			.thenCancel()
			.verify(Duration.ofSeconds(5));

		Observed observed = onlyExchange("/channels/echo/declared");
		ExchangeOutcome outcome = this.observer.awaitFinished(observed.request.id()).finish().outcome();
		assertThat(outcome.kind()).isEqualTo(Kind.DELIVERED);
		assertThat(outcome.responseBody().size()).isEqualTo(body.length);
	}

	@Test
	void clientThatClosesBeforeEveryDeclaredByteLeftMidResponse() {
		MockServerWebExchange exchange = channelExchange("echo", "/channels/echo/short");
		GatewayFilterChain answering = (e) -> {
			e.getResponse().setStatusCode(HttpStatus.OK);
			e.getResponse().getHeaders().setContentLength(8);
			return e.getResponse()
				.writeWith(Flux.concat(Mono.just(DefaultDataBufferFactory.sharedInstance.wrap("four".getBytes())),
						Flux.never()));
		};

		StepVerifier.create(this.filter.filter(exchange, answering))
			.expectSubscription()
			.thenAwait(Duration.ofMillis(50))
			.thenCancel()
			.verify(Duration.ofSeconds(5));

		Observed observed = onlyExchange("/channels/echo/short");
		ExchangeOutcome outcome = this.observer.awaitFinished(observed.request.id()).finish().outcome();
		assertThat(outcome.kind()).isEqualTo(Kind.CLIENT_ABORTED);
		assertThat(outcome.failure()).isEqualTo("client closed the connection after 4 of 8 response bytes");
	}

	@Test
	void requestIdIsForwardedAndCapturedHeadersAreTheClients() {
		MockServerWebExchange exchange = channelExchange("echo", "/channels/echo/id");
		String[] forwardedId = new String[1];

		StepVerifier
			.create(this.filter.filter(exchange, (e) -> Mono.fromRunnable(
					() -> forwardedId[0] = e.getRequest().getHeaders().getFirst(ObservingFilter.REQUEST_ID_HEADER))))
			.expectComplete()
			.verify(Duration.ofSeconds(5));

		Observed observed = onlyExchange("/channels/echo/id");
		assertThat(UUID.fromString(forwardedId[0])).isEqualTo(observed.request.id());
		assertThat(observed.request.headers()).containsExactly(new Header("X-Client", "yes"));
		assertThat(observed.finish().outcome().kind()).isEqualTo(Kind.DELIVERED);
	}

	private Observed onlyExchange(String path) {
		assertThat(this.observer.withPath(path)).hasSize(1);
		return this.observer.withPath(path).get(0);
	}

	private static MockServerWebExchange channelExchange(String channel, String path) {
		MockServerWebExchange exchange = MockServerWebExchange
			.from(MockServerHttpRequest.get(path).header("X-Client", "yes"));
		Route route = Route.async().id(channel).uri("http://sink.invalid").predicate((e) -> true).build();
		exchange.getAttributes().put(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR, route);
		return exchange;
	}

}
