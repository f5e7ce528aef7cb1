package dev.channels.gateway.recording;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Writes new requests' rows before they are forwarded, gathering the requests that arrive
 * while earlier inserts run into one statement and one commit. A request that arrives
 * while a slot is free is inserted at once and alone: nothing waits for a timer. Under
 * load, the database commits once per group rather than once per request.
 * <p>
 * While the database stalls, requests wait here, and the wait is bounded twice: a request
 * that finds {@code capacity} others waiting is refused at once, and one that waited past
 * the insert timeout (its client has been answered 503 already) is never sent. Both are
 * counted.
 * <p>
 * A group the database refuses for its data is inserted again one row at a time, inside
 * the group's slot, so that one row it refuses costs no other request its admission. A
 * group that fails for a passing reason (the connection, a timeout) fails whole: trying
 * its rows one by one would only multiply the statements sent to a database in trouble.
 */
class PendingInserts {

	// A database that never answers must not hold requests for ever; RecordingObserver
	// gives up on the wait much sooner (insert-timeout), but a late commit is still worth
	// knowing.
	private static final Duration LATE_INSERT_LIMIT = Duration.ofMinutes(1);

	private final Function<List<PendingRow>, Mono<Void>> insert;

	private final Batches<Pending> groups;

	private final int capacity;

	private final long timeoutNanos;

	private final AtomicLong overflowed = new AtomicLong();

	private final AtomicLong expired = new AtomicLong();

	/**
	 * @param insert inserts the rows of a group of requests, in one statement
	 * @param concurrency statements that may run at once
	 * @param batchSize the most requests one statement takes
	 * @param capacity the most requests that may wait or be inserted at once
	 * @param timeout how long a request may wait for its statement to start
	 */
	PendingInserts(Function<List<PendingRow>, Mono<Void>> insert, int concurrency, int batchSize, int capacity,
			Duration timeout) {
		this.insert = insert;
		this.groups = new Batches<>(this::insert, concurrency, batchSize);
		this.capacity = capacity;
		this.timeoutNanos = timeout.toNanos();
	}

	/**
	 * Inserts the request's row.
	 * @return completes when the row is committed, or fails when it could not be
	 */
	CompletableFuture<Void> insert(PendingRow row) {
		if (this.groups.size() >= this.capacity) {
			this.overflowed.incrementAndGet();
			return CompletableFuture.failedFuture(new InsertQueueFullException(this.capacity));
		}
		Pending pending = new Pending(row, new CompletableFuture<>(), System.nanoTime() + this.timeoutNanos);
		this.groups.add(pending);
		return pending.inserted();
	}

	/**
	 * Requests refused at once because {@code capacity} others were waiting, since start.
	 */
	long overflowed() {
		return this.overflowed.get();
	}

	/**
	 * Requests whose row was never sent because they waited past the timeout, since
	 * start.
	 */
	long expired() {
		return this.expired.get();
	}

	private Mono<Void> insert(List<Pending> group) {
		List<Pending> live = new ArrayList<>(group.size());
		long now = System.nanoTime();
		for (Pending pending : group) {
			if (now - pending.deadline() >= 0) {
				this.expired.incrementAndGet();
				pending.failed(new TimeoutException("not sent: waited past the insert timeout for a connection"));
			}
			else {
				live.add(pending);
			}
		}
		if (live.isEmpty()) {
			return Mono.empty();
		}
		return statement(live).doOnSuccess((done) -> live.forEach(Pending::succeeded)).onErrorResume((error) -> {
			if (live.size() == 1 || OutcomeWriter.mayPass(error)) {
				live.forEach((pending) -> pending.failed(error));
				return Mono.empty();
			}
			// One by one, inside the slot: each request gets its own answer.
			return Flux.fromIterable(live)
				.concatMap((pending) -> statement(List.of(pending)).doOnSuccess((done) -> pending.succeeded())
					.onErrorResume((rowError) -> {
						pending.failed(rowError);
						return Mono.empty();
					}))
				.then();
		});
	}

	private Mono<Void> statement(List<Pending> group) {
		return Mono.defer(() -> this.insert.apply(group.stream().map(Pending::row).toList()))
			.timeout(LATE_INSERT_LIMIT);
	}

	private record Pending(PendingRow row, CompletableFuture<Void> inserted, long deadline) {

		void succeeded() {
			this.inserted.complete(null);
		}

		void failed(Throwable error) {
			this.inserted.completeExceptionally(error);
		}

	}

	/**
	 * A request refused because too many others wait for their rows to be written.
	 */
	static final class InsertQueueFullException extends IllegalStateException {

		InsertQueueFullException(int capacity) {
			super(capacity + " requests already wait for their rows to be written");
		}

	}

}
