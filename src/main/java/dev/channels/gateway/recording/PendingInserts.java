package dev.channels.gateway.recording;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

import reactor.core.publisher.Mono;

/**
 * Writes new requests' rows before they are forwarded, gathering the requests that arrive
 * while earlier inserts run into one statement and one commit. A request that arrives
 * while a slot is free is inserted at once and alone: nothing waits for a timer. Under
 * load, the database commits once per group rather than once per request.
 * <p>
 * A group the database refuses is inserted again one row at a time, so that one row it
 * refuses (for its data) costs no other request its admission.
 */
class PendingInserts {

	// A database that never answers must not hold requests for ever; RecordingObserver
	// gives up on the wait much sooner (insert-timeout), but a late commit is still worth
	// knowing.
	private static final Duration LATE_INSERT_LIMIT = Duration.ofMinutes(1);

	private final Function<List<PendingRow>, Mono<Void>> insert;

	private final Batches<Pending> groups;

	/**
	 * @param insert inserts the rows of a group of requests, in one statement
	 * @param concurrency statements that may run at once
	 * @param batchSize the most requests one statement takes
	 */
	PendingInserts(Function<List<PendingRow>, Mono<Void>> insert, int concurrency, int batchSize) {
		this.insert = insert;
		this.groups = new Batches<>(this::insert, concurrency, batchSize);
	}

	/**
	 * Inserts the request's row.
	 * @return completes when the row is committed, or fails when it could not be
	 */
	CompletableFuture<Void> insert(PendingRow row) {
		Pending pending = new Pending(row, new CompletableFuture<>());
		this.groups.add(pending);
		return pending.inserted();
	}

	private Mono<Void> insert(List<Pending> group) {
		return statement(group).doOnSuccess((done) -> group.forEach(Pending::succeeded)).onErrorResume((error) -> {
			if (group.size() == 1) {
				group.get(0).failed(error);
				return Mono.empty();
			}
			// One by one, outside the group's slot: each request gets its own answer.
			group
				.forEach((pending) -> statement(List.of(pending)).subscribe(null, pending::failed, pending::succeeded));
			return Mono.empty();
		});
	}

	private Mono<Void> statement(List<Pending> group) {
		return Mono.defer(() -> this.insert.apply(group.stream().map(Pending::row).toList()))
			.timeout(LATE_INSERT_LIMIT);
	}

	private record Pending(PendingRow row, CompletableFuture<Void> inserted) {

		void succeeded() {
			this.inserted.complete(null);
		}

		void failed(Throwable error) {
			this.inserted.completeExceptionally(error);
		}

	}

}
