package dev.channels.gateway.observer;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.awaitility.Awaitility;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;

/**
 * An observer that remembers every callback, for engine tests without a database. Its
 * state is a string that each callback extends, so the tests can see it threaded through.
 * <p>
 * It rejects the channel {@code unrecordable} with 429, and admits requests whose path
 * contains {@code delay-admission} only after a second.
 */
class RecordingTestObserver implements ExchangeObserver<String> {

	static final String REJECTION = "{\"error\":\"not today\"}";

	private final Map<UUID, Observed> exchanges = new ConcurrentHashMap<>();

	@Override
	public Mono<Admission<String>> requestStarted(RequestStart request) {
		this.exchanges.put(request.id(), new Observed(request));
		String state = "admitted " + request.id();
		if (request.channelId().equals("unrecordable")) {
			return Mono.just(Admission.reject("rejected " + request.id(), HttpStatus.TOO_MANY_REQUESTS, REJECTION));
		}
		Mono<Admission<String>> admission = Mono.just(Admission.proceed(state));
		return request.path().contains("delay-admission") ? admission.delayElement(Duration.ofSeconds(1)) : admission;
	}

	@Override
	public String responseStarted(String state, ResponseStart response) {
		this.exchanges.get(idOf(state)).responses.add(response);
		return state + " > response";
	}

	@Override
	public void responseFinished(String state, ExchangeOutcome outcome) {
		this.exchanges.get(idOf(state)).finished.add(new Finished(state, outcome));
	}

	/** The requests seen so far whose path contains {@code fragment}. */
	List<Observed> withPath(String fragment) {
		return this.exchanges.values().stream().filter((o) -> o.request.path().contains(fragment)).toList();
	}

	Observed get(UUID id) {
		return this.exchanges.get(id);
	}

	/**
	 * Waits until the exchange has finished, then a little more, to catch a second call.
	 */
	Observed awaitFinished(UUID id) {
		Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> get(id) != null && !get(id).finished.isEmpty());
		try {
			Thread.sleep(100);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		return get(id);
	}

	private static UUID idOf(String state) {
		return UUID.fromString(state.split(" ")[1]);
	}

	/**
	 * All callbacks of one exchange.
	 */
	static final class Observed {

		final RequestStart request;

		final List<ResponseStart> responses = new CopyOnWriteArrayList<>();

		final List<Finished> finished = new CopyOnWriteArrayList<>();

		Observed(RequestStart request) {
			this.request = request;
		}

		/** The one finish call; fails if there were more. */
		Finished finish() {
			if (this.finished.size() != 1) {
				throw new AssertionError("responseFinished called " + this.finished.size() + " times");
			}
			return this.finished.get(0);
		}

	}

	/**
	 * One responseFinished call.
	 *
	 * @param state the state it got
	 * @param outcome the outcome it got
	 */
	record Finished(String state, ExchangeOutcome outcome) {
	}

}
