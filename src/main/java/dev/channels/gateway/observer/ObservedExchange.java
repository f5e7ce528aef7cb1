package dev.channels.gateway.observer;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.netty.Connection;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.http.server.HttpServerResponse;
import reactor.util.context.ContextView;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;

/**
 * One exchange under observation, from the observer's admission to its single
 * {@code responseFinished} call.
 * <p>
 * Callbacks arrive on different threads (the server's, the sink client's, the
 * observer's), so what they record is volatile or atomic; {@link #finish} runs its work
 * once.
 *
 * @param <S> the observer's state type
 */
final class ObservedExchange<S> {

	private static final Log logger = LogFactory.getLog(ObservedExchange.class);

	private final ExchangeObserver<S> observer;

	private final RequestStart request;

	private final long startNanos;

	private final BodyTap requestBody;

	private final long unreadBodyLimit;

	private final BodyTap responseBody;

	// Filled by the gateway's HTTP client hooks (SinkTimingCustomizer).
	private final SinkClock sinkClock = new SinkClock();

	// Started when the exchange is subscribed, in its Reactor context.
	private volatile @Nullable CompletableFuture<Admission<S>> admission;

	// Guarded by this: the sink's answer and the end of the exchange race on different
	// threads.
	private @Nullable S state;

	private boolean finished;

	private volatile @Nullable HttpClientResponse sinkResponse;

	private volatile @Nullable ServerWebExchange forwarded;

	private volatile @Nullable Failure failure;

	private volatile boolean sinkBodyFailed;

	private volatile boolean writeStarted;

	private volatile long declaredLength = -1;

	private volatile boolean writeCompleted;

	// The client's connection, when the exchange runs in a real server.
	private volatile @Nullable Connection connection;

	// The server had answered the client when the gateway came to commit its own
	// response.
	private volatile boolean serverAnsweredFirst;

	ObservedExchange(ExchangeObserver<S> observer, RequestStart request, long startNanos, int previewLimit,
			long unreadBodyLimit) {
		this.unreadBodyLimit = unreadBodyLimit;
		this.observer = observer;
		this.request = request;
		this.startNanos = startNanos;
		this.requestBody = new BodyTap(previewLimit);
		this.responseBody = new BodyTap(previewLimit);
	}

	/**
	 * Runs the exchange: waits for the admission, then answers or forwards.
	 * <p>
	 * A client that leaves while the admission is pending cancels the wait but not the
	 * admission (the observer may be writing its record); the exchange finishes when the
	 * admission arrives.
	 * @param nativeRequest the server's own request, whose connection the exchange
	 * resumes on after the admission; {@code null} outside a real server
	 */
	Mono<Void> run(ServerWebExchange exchange, GatewayFilterChain chain, @Nullable Object nativeRequest) {
		// A future, so that a client that leaves cancels the wait but not the admission.
		Mono<Admission<S>> admitted = Mono.deferContextual((context) -> {
			CompletableFuture<Admission<S>> admission = requestStarted(this.observer, this.request, context);
			this.admission = admission;
			return Mono.fromFuture(admission, true);
		});
		if (nativeRequest instanceof Connection connection) {
			this.connection = connection;
			// The admission completes on the observer's thread (the database driver's,
			// for one); the exchange goes on where the server started it.
			admitted = admitted.publishOn(EventLoopSchedulers.of(connection.channel().eventLoop()));
		}
		return admitted.flatMap((admission) -> {
			synchronized (this) {
				this.state = admission.state();
			}
			Admission.Rejection rejection = admission.rejection();
			return (rejection != null) ? reject(exchange, rejection) : forward(exchange, chain, nativeRequest);
		}).doFinally(this::finish);
	}

	private static <S> CompletableFuture<Admission<S>> requestStarted(ExchangeObserver<S> observer,
			RequestStart request, ContextView context) {
		try {
			return observer.requestStarted(request)
				.switchIfEmpty(Mono.error(() -> new IllegalStateException("observer returned no admission")))
				.contextWrite(context)
				.toFuture();
		}
		catch (RuntimeException ex) {
			return CompletableFuture.failedFuture(ex);
		}
	}

	private Mono<Void> reject(ServerWebExchange exchange, Admission.Rejection rejection) {
		ServerHttpResponse response = exchange.getResponse();
		// The id is in the gateway's logs about the refusal, and names the row if it is
		// late.
		response.getHeaders().set(ObservingFilter.REQUEST_ID_HEADER, this.request.id().toString());
		response.setStatusCode(rejection.status());
		response.getHeaders().setContentType(rejection.contentType());
		response.getHeaders().setContentLength(rejection.body().length);
		return response.writeWith(Mono.fromSupplier(() -> response.bufferFactory().wrap(rejection.body())));
	}

	private Mono<Void> forward(ServerWebExchange exchange, GatewayFilterChain chain, @Nullable Object nativeRequest) {
		String id = this.request.id().toString();
		ServerHttpResponse response = exchange.getResponse();
		// Set at commit so that the gateway's own error responses (502, 504) carry it
		// too.
		response.beforeCommit(() -> {
			response.getHeaders().set(ObservingFilter.REQUEST_ID_HEADER, id);
			if (serverHasAnswered(nativeRequest)) {
				this.serverAnsweredFirst = true;
			}
			return Mono.empty();
		});
		ServerHttpRequest withId = exchange.getRequest().mutate().header(ObservingFilter.REQUEST_ID_HEADER, id).build();
		TappedRequest tappedRequest = new TappedRequest(withId, this.requestBody,
				() -> serverAnsweredItself(nativeRequest, response), this::connectionClosed);
		ServerWebExchange observed = exchange.mutate()
			.request(tappedRequest)
			.response(new TappedResponse(response, this, this.responseBody))
			.build();
		this.forwarded = observed;
		// The routing filter subscribes the HTTP client in this context, where its hooks
		// find the clock.
		return chain.filter(observed)
			.contextWrite(this.sinkClock)
			.onErrorResume((error) -> failed(observed, tappedRequest, error, nativeRequest, response));
	}

	// reactor-netty answers some malformed requests (a body it cannot decode) by itself,
	// and Spring's response does not know: the client has its answer before the gateway
	// wrote any.
	private boolean serverAnsweredItself(@Nullable Object nativeRequest, ServerHttpResponse response) {
		return serverHasAnswered(nativeRequest) && (this.serverAnsweredFirst || !response.isCommitted());
	}

	private boolean connectionClosed() {
		Connection connection = this.connection;
		return connection != null && !connection.channel().isActive();
	}

	private static boolean serverHasAnswered(@Nullable Object nativeRequest) {
		return nativeRequest instanceof HttpServerResponse server && server.hasSentHeaders();
	}

	private Mono<Void> failed(ServerWebExchange observed, TappedRequest tappedRequest, Throwable error,
			@Nullable Object nativeRequest, ServerHttpResponse response) {
		if (serverAnsweredItself(nativeRequest, response)) {
			// The server refused the request's body: whatever failed after that (the
			// sink's answer finding the response sent, the cut body) follows from it.
			// Nothing is left to answer; an error passed on would be rendered as a 500 on
			// a response already sent, and logged as the gateway's failure.
			this.failure = Failure.of(TappedRequest.IncompleteBodyException.malformed(this.requestBody.size()), false,
					false, 0);
			return Mono.empty();
		}
		Failure failure = Failure.of(error, this.sinkBodyFailed, this.sinkResponse != null, this.responseBody.size());
		this.failure = failure;
		if (observed.getResponse().isCommitted() || failure.clientStatus() == null
				|| error instanceof ResponseStatusException) {
			return Mono.error(error);
		}
		ResponseStatusException answer = new ResponseStatusException(failure.clientStatus(), failure.description(),
				error);
		return drainUnreadBody(tappedRequest).doOnNext((drained) -> {
			if (!drained) {
				this.failure = failure.withDescription(failure.description() + "; the request body was not read past "
						+ this.requestBody.size() + " bytes (channels.unread-body-limit)");
			}
		}).then(Mono.error(answer));
	}

	// When the sink could not be reached, the request body was never read; reading it
	// through the tap keeps the record true to what the client sent, up to the limit: a
	// client that sends a gigabyte to a refused sink is answered after the limit, not
	// after
	// the gigabyte. A client that asked to be told before sending (Expect: 100-continue)
	// has
	// sent nothing, and is not asked to.
	// Emits whether the body was read to its end.
	private Mono<Boolean> drainUnreadBody(TappedRequest tappedRequest) {
		if (this.requestBody.wasSubscribed() || tappedRequest.getHeaders().getFirst("Expect") != null) {
			return Mono.just(true);
		}
		return tappedRequest.getBody().map((buffer) -> {
			DataBufferUtils.release(buffer);
			return this.requestBody.size();
		})
			.takeUntil((read) -> read >= this.unreadBodyLimit)
			.last(0L)
			.map((read) -> read < this.unreadBodyLimit || this.requestBody.isCompleted())
			.onErrorReturn(true);
	}

	/**
	 * The response's status was set: if it came from the sink, its answer has arrived. A
	 * retried exchange gets a new answer, which replaces the earlier one.
	 */
	void sinkMayHaveAnswered() {
		ServerWebExchange observed = this.forwarded;
		HttpClientResponse sink = (observed != null)
				? observed.getAttribute(ServerWebExchangeUtils.CLIENT_RESPONSE_ATTR) : null;
		if (sink == null || sink == this.sinkResponse) {
			return;
		}
		Duration timeToFirstByte = Duration.ofNanos(System.nanoTime() - this.startNanos);
		ResponseStart start = new ResponseStart(sink.status().code(), HeaderLines.of(sink.responseHeaders()),
				timeToFirstByte);
		synchronized (this) {
			if (this.finished || sink == this.sinkResponse) {
				return;
			}
			this.sinkResponse = sink;
			try {
				this.state = this.observer.responseStarted(this.state, start);
			}
			catch (RuntimeException ex) {
				logger.error("Request " + this.request.id() + ": observer failed on response started", ex);
			}
		}
	}

	void writeStarting(long declaredLength) {
		// Sinks with a status code Spring does not know bypass setStatusCode.
		sinkMayHaveAnswered();
		this.declaredLength = declaredLength;
		this.writeStarted = true;
	}

	void writeCompleted() {
		this.writeCompleted = true;
	}

	void sinkBodyFailed() {
		this.sinkBodyFailed = true;
	}

	private void finish(SignalType signal) {
		CompletableFuture<Admission<S>> admission = this.admission;
		if (admission == null) {
			return;
		}
		admission.whenComplete((admitted, admissionError) -> {
			if (admitted == null) {
				logger.error("Request " + this.request.id() + " on channel " + this.request.channelId()
						+ ": observer failed to admit it", admissionError);
				return;
			}
			S latest;
			ExchangeOutcome outcome;
			synchronized (this) {
				if (this.finished) {
					return;
				}
				this.finished = true;
				latest = (this.state != null) ? this.state : admitted.state();
				outcome = outcome(admitted, signal);
			}
			try {
				this.observer.responseFinished(latest, outcome);
			}
			catch (RuntimeException ex) {
				logger.error("Request " + this.request.id() + ": observer failed on response finished", ex);
			}
		});
	}

	// Summaries first: they freeze the taps, so the outcome is decided on the bytes it
	// reports.
	private ExchangeOutcome outcome(Admission<S> admitted, SignalType signal) {
		long endNanos = System.nanoTime();
		Duration latency = Duration.ofNanos(endNanos - this.startNanos);
		BodySummary request = this.requestBody.summary();
		BodySummary response = this.responseBody.summary();
		Admission.Rejection rejection = admitted.rejection();
		if (rejection != null) {
			return new ExchangeOutcome(ExchangeOutcome.Kind.REJECTED, "rejected by the observer", null, request, null,
					latency, rejection.status().value());
		}
		ServerWebExchange observed = this.forwarded;
		URI sinkUrl = (observed != null) ? observed.getAttribute(ServerWebExchangeUtils.GATEWAY_REQUEST_URL_ATTR)
				: null;
		BodySummary relayed = (this.sinkResponse != null || this.writeStarted) ? response : null;
		Failure failure = this.failure;
		if (failure != null) {
			return new ExchangeOutcome(failure.kind(), failure.description(), sinkUrl, request, relayed, latency,
					clientStatus(observed, failure), timing(endNanos, false));
		}
		String shortBody = requestBodyCutShort(observed);
		if (shortBody != null) {
			return new ExchangeOutcome(ExchangeOutcome.Kind.CLIENT_ABORTED, shortBody, sinkUrl, request, relayed,
					latency, clientStatus(observed, null), timing(endNanos, false));
		}
		if (responseDelivered(signal)) {
			return new ExchangeOutcome(ExchangeOutcome.Kind.DELIVERED, null, sinkUrl, request, relayed, latency,
					clientStatus(observed, null), timing(endNanos, true));
		}
		return new ExchangeOutcome(ExchangeOutcome.Kind.CLIENT_ABORTED, clientLeft(), sinkUrl, request, relayed,
				latency, clientStatus(observed, null), timing(endNanos, false));
	}

	// The response's last byte was relayed at the end of the exchange, when it was
	// delivered.
	private SinkTiming timing(long endNanos, boolean delivered) {
		return this.sinkClock.timing(this.startNanos, endNanos, delivered);
	}

	/**
	 * Whether the client got the whole response. The termination signal does not say: a
	 * client that closes right after the last byte may end the write with a cancel, and
	 * one that leaves mid-body may let it complete. What was relayed does: with a
	 * declared length, all of it must have passed (the end of the sink's body may still
	 * be on its way when a client that has every byte closes); without one, the sink's
	 * body must have ended and the write itself completed.
	 */
	private boolean responseDelivered(SignalType signal) {
		if (!this.writeStarted) {
			return signal == SignalType.ON_COMPLETE;
		}
		if (this.declaredLength >= 0 && bodyExpected()) {
			return this.responseBody.size() == this.declaredLength;
		}
		return this.responseBody.isCompleted() && this.writeCompleted;
	}

	/**
	 * A request whose body never arrived whole is no delivered exchange, whatever the
	 * response did: the client stalled past the read timeout (the server then closes the
	 * connection, and a response write can still complete into it) or broke off. Only
	 * once the connection is gone: a sink may answer before it read the body, and the
	 * rest of the body is then still on its way on a live connection. A client that waits
	 * for 100-continue may rightly never send a body the sink did not want.
	 */
	private @Nullable String requestBodyCutShort(@Nullable ServerWebExchange observed) {
		Connection connection = this.connection;
		if (observed == null || connection == null || connection.channel().isActive()
				|| observed.getRequest().getHeaders().getFirst(HttpHeaders.EXPECT) != null) {
			return null;
		}
		long declared = observed.getRequest().getHeaders().getContentLength();
		long read = this.requestBody.size();
		return (declared >= 0 && read < declared)
				? TappedRequest.IncompleteBodyException.endedShortMessage(read, declared) : null;
	}

	private boolean bodyExpected() {
		ServerWebExchange observed = this.forwarded;
		if (observed == null || HttpMethod.HEAD.equals(observed.getRequest().getMethod())) {
			return false;
		}
		HttpStatusCode status = observed.getResponse().getStatusCode();
		return status == null || !(status.is1xxInformational() || status.value() == HttpStatus.NO_CONTENT.value()
				|| status.value() == HttpStatus.NOT_MODIFIED.value());
	}

	private String clientLeft() {
		if (!this.writeStarted) {
			return "client closed the connection before the sink answered";
		}
		String of = (this.declaredLength >= 0) ? " of " + this.declaredLength : "";
		return "client closed the connection after " + this.responseBody.size() + of + " response bytes";
	}

	private static @Nullable Integer clientStatus(@Nullable ServerWebExchange observed, @Nullable Failure failure) {
		if (observed == null) {
			return null;
		}
		ServerHttpResponse response = observed.getResponse();
		if (!response.isCommitted() && failure != null && failure.clientStatus() != null) {
			return failure.clientStatus().value();
		}
		HttpStatusCode status = response.getStatusCode();
		return (status != null) ? status.value() : null;
	}

}
