package dev.channels.gateway.recording;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import reactor.core.publisher.Mono;

import dev.channels.gateway.observer.RequestStart;

/**
 * Writes new requests' rows before they are forwarded, gathering the requests that arrive
 * while earlier inserts run into one statement and one commit. A request that arrives while
 * a slot is free is inserted at once and alone: nothing waits for a timer. Under load, the
 * database commits once per group rather than once per request.
 * <p>
 * A group the database refuses is inserted again one row at a time, so that one row it
 * refuses (for its data) costs no other request its admission.
 */
class PendingInserts {

	// A database that never answers must not hold requests for ever; RecordingObserver gives
	// up on the wait much sooner (insert-timeout), but a late commit is still worth knowing.
	private static final Duration LATE_INSERT_LIMIT = Duration.ofMinutes(1);

	private final Function<List<RequestStart>, Mono<Void>> insert;

	private final int concurrency;

	private final int batchSize;

	private final Queue<Pending> waiting = new ConcurrentLinkedQueue<>();

	private final AtomicInteger waitingCount = new AtomicInteger();

	private final AtomicInteger running = new AtomicInteger();

	private final AtomicInteger drainers = new AtomicInteger();

	/**
	 * @param insert inserts the rows of a group of requests, in one statement
	 * @param concurrency statements that may run at once
	 * @param batchSize the most requests one statement takes
	 */
	PendingInserts(Function<List<RequestStart>, Mono<Void>> insert, int concurrency, int batchSize) {
		this.insert = insert;
		this.concurrency = concurrency;
		this.batchSize = batchSize;
	}

	/**
	 * Inserts the request's row.
	 * @return completes when the row is committed, or fails when it could not be
	 */
	CompletableFuture<Void> insert(RequestStart request) {
		Pending pending = new Pending(request, new CompletableFuture<>());
		this.waitingCount.incrementAndGet();
		this.waiting.offer(pending);
		drain();
		return pending.inserted();
	}

	// One thread drains at a time (work-in-progress counter), like CompletionQueue.
	private void drain() {
		if (this.drainers.getAndIncrement() != 0) {
			return;
		}
		int missed = 1;
		do {
			while (this.running.get() < this.concurrency && this.waitingCount.get() > 0) {
				List<Pending> group = new ArrayList<>(Math.min(this.batchSize, this.waitingCount.get()));
				Pending next;
				while (group.size() < this.batchSize && (next = this.waiting.poll()) != null) {
					this.waitingCount.decrementAndGet();
					group.add(next);
				}
				if (group.isEmpty()) {
					break;
				}
				this.running.incrementAndGet();
				insert(group).doFinally((signal) -> {
					this.running.decrementAndGet();
					drain();
				}).subscribe();
			}
			missed = this.drainers.addAndGet(-missed);
		}
		while (missed != 0);
	}

	private Mono<Void> insert(List<Pending> group) {
		return statement(group).doOnSuccess((done) -> group.forEach(Pending::succeeded))
			.onErrorResume((error) -> {
				if (group.size() == 1) {
					group.get(0).failed(error);
					return Mono.empty();
				}
				// One by one, outside the group's slot: each request gets its own answer.
				group.forEach((pending) -> statement(List.of(pending)).subscribe(null, pending::failed,
						pending::succeeded));
				return Mono.empty();
			});
	}

	private Mono<Void> statement(List<Pending> group) {
		return Mono.defer(() -> this.insert.apply(group.stream().map(Pending::request).toList()))
			.timeout(LATE_INSERT_LIMIT);
	}

	private record Pending(RequestStart request, CompletableFuture<Void> inserted) {

		void succeeded() {
			this.inserted.complete(null);
		}

		void failed(Throwable error) {
			this.inserted.completeExceptionally(error);
		}

	}

}
