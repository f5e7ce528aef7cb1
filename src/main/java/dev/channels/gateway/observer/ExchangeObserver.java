package dev.channels.gateway.observer;

import reactor.core.publisher.Mono;

/**
 * Watches every exchange that a channel (a gateway route) proxies.
 * <p>
 * The three callbacks thread a state value of the observer's own type {@code S}: the
 * state that {@link #requestStarted} admits is handed to {@link #responseStarted}, and
 * whatever that returns (or the admitted state, when the sink never answered) is handed
 * to {@link #responseFinished}. The engine calls {@link #responseFinished} exactly once
 * for every exchange whose {@link #requestStarted} produced an {@link Admission}, however
 * the exchange ends: delivered, rejected, failed, timed out or cancelled by the client.
 * <p>
 * {@link #responseStarted} and {@link #responseFinished} run on I/O threads and must not
 * block; work that takes time belongs on the observer's own scheduler.
 *
 * @param <S> the state the observer threads through one exchange
 */
public interface ExchangeObserver<S> {

	/**
	 * Called before the exchange is forwarded; nothing reaches the sink until the
	 * returned {@code Mono} emits. Cancelling the exchange does not cancel this
	 * {@code Mono}: once requested, the admission always completes and is always followed
	 * by {@link #responseFinished}.
	 * @param request what the client sent, captured before any route filter ran
	 * @return the admission: forward the exchange, or answer the client without
	 * forwarding
	 */
	Mono<Admission<S>> requestStarted(RequestStart request);

	/**
	 * Called once, when the sink's status line and headers arrive.
	 * @param state the admitted state
	 * @param response the sink's status and headers, and the time to first byte
	 * @return the state for {@link #responseFinished}
	 */
	S responseStarted(S state, ResponseStart response);

	/**
	 * Called exactly once, when the exchange is over.
	 * @param state the latest state
	 * @param outcome how the exchange ended, with the bodies as they were relayed
	 */
	void responseFinished(S state, ExchangeOutcome outcome);

}
