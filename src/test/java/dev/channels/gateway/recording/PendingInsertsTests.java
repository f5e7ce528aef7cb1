package dev.channels.gateway.recording;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.r2dbc.spi.R2dbcNonTransientResourceException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import dev.channels.gateway.observer.RequestStart;
import dev.channels.gateway.support.TestRoutes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PendingInsertsTests {

	private final List<List<PendingRow>> statements = new CopyOnWriteArrayList<>();

	private final List<Sinks.Empty<Void>> answers = new CopyOnWriteArrayList<>();

	@Test
	void requestsThatArriveWhileEveryInsertRunsGoTogetherInTheNext() throws Exception {
		PendingInserts inserts = new PendingInserts(this::pendingStatement, 1, 3, 100, Duration.ofMinutes(1));
		List<PendingRow> requests = List.of(request(), request(), request(), request(), request());

		List<CompletableFuture<Void>> inserted = requests.stream().map(inserts::insert).toList();
		assertThat(this.statements).hasSize(1);
		this.answers.get(0).tryEmitEmpty();
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> this.statements.size() == 2);
		this.answers.get(1).tryEmitEmpty();
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> this.statements.size() == 3);

		// The first went alone and at once; the others waited for it, three and then one.
		assertThat(this.statements).extracting(List::size).containsExactly(1, 3, 1);
		assertThat(this.statements.stream().flatMap(List::stream).toList()).containsExactlyElementsOf(requests);
		assertThat(inserted.subList(0, 4)).allSatisfy((future) -> assertThat(future).isCompleted());
		assertThat(inserted.get(4)).isNotDone();
		this.answers.get(2).tryEmitEmpty();
		inserted.get(4).get(5, TimeUnit.SECONDS);
	}

	@Test
	void aRefusedGroupIsInsertedAgainOneRowAtATimeSoOnlyTheRefusedRowFails() {
		PendingRow first = request();
		PendingRow refused = request();
		PendingRow fine = request();
		Sinks.Empty<Void> firstAnswer = Sinks.empty();
		// A statement fails when it holds the refused row, as a database refusing its
		// data would.
		PendingInserts inserts = new PendingInserts((rows) -> {
			this.statements.add(rows);
			if (rows.equals(List.of(first))) {
				return firstAnswer.asMono();
			}
			return rows.contains(refused) ? Mono.error(new IllegalStateException("refused")) : Mono.empty();
		}, 1, 10, 100, Duration.ofMinutes(1));

		CompletableFuture<Void> firstInserted = inserts.insert(first);
		CompletableFuture<Void> refusedInserted = inserts.insert(refused);
		CompletableFuture<Void> fineInserted = inserts.insert(fine);
		firstAnswer.tryEmitEmpty();

		assertThat(firstInserted).succeedsWithin(Duration.ofSeconds(5));
		assertThat(fineInserted).succeedsWithin(Duration.ofSeconds(5));
		assertThatThrownBy(() -> refusedInserted.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
			.hasMessageContaining("refused");
		assertThat(this.statements).containsExactly(List.of(first), List.of(refused, fine), List.of(refused),
				List.of(fine));
	}

	@Test
	void whileTheDatabaseStallsARequestBeyondTheCapacityIsRefusedAtOnceAndCounted() {
		// One statement that never answers holds the one slot; the others wait.
		PendingInserts inserts = new PendingInserts(this::pendingStatement, 1, 10, 3, Duration.ofMinutes(1));
		List<CompletableFuture<Void>> admitted = List.of(inserts.insert(request()), inserts.insert(request()),
				inserts.insert(request()));

		CompletableFuture<Void> overflowing = inserts.insert(request());

		assertThat(overflowing).isCompletedExceptionally();
		assertThatThrownBy(overflowing::join).hasCauseInstanceOf(PendingInserts.InsertQueueFullException.class)
			.hasMessageContaining("3 requests already wait");
		assertThat(inserts.overflowed()).isOne();
		assertThat(admitted).allSatisfy((future) -> assertThat(future).isNotDone());
		assertThat(this.statements).hasSize(1);
	}

	@Test
	void aRequestThatWaitedPastTheTimeoutIsNeverSentAndIsCounted() throws InterruptedException {
		PendingInserts inserts = new PendingInserts(this::pendingStatement, 1, 10, 100, Duration.ofMillis(50));
		PendingRow first = request();
		PendingRow waiting = request();
		CompletableFuture<Void> firstInserted = inserts.insert(first);
		CompletableFuture<Void> waitingInserted = inserts.insert(waiting);

		// The stalled statement answers after the waiting request's client was given up
		// on.
		Thread.sleep(100);
		this.answers.get(0).tryEmitEmpty();

		assertThat(firstInserted).succeedsWithin(Duration.ofSeconds(5));
		assertThatThrownBy(() -> waitingInserted.get(5, TimeUnit.SECONDS)).hasMessageContaining("not sent");
		assertThat(inserts.expired()).isOne();
		assertThat(this.statements).containsExactly(List.of(first));
	}

	@Test
	void aGroupThatFailsForAPassingReasonFailsWholeWithoutBeingSplit() {
		PendingRow first = request();
		Sinks.Empty<Void> firstAnswer = Sinks.empty();
		PendingInserts inserts = new PendingInserts((rows) -> {
			this.statements.add(rows);
			return rows.equals(List.of(first)) ? firstAnswer.asMono()
					: Mono.error(new R2dbcNonTransientResourceException("connection closed"));
		}, 1, 10, 100, Duration.ofMinutes(1));
		inserts.insert(first);
		CompletableFuture<Void> second = inserts.insert(request());
		CompletableFuture<Void> third = inserts.insert(request());

		firstAnswer.tryEmitEmpty();

		assertThatThrownBy(() -> second.get(5, TimeUnit.SECONDS)).hasMessageContaining("connection closed");
		assertThatThrownBy(() -> third.get(5, TimeUnit.SECONDS)).hasMessageContaining("connection closed");
		assertThat(this.statements).extracting(List::size).containsExactly(1, 2);
	}

	@Test
	void aRefusedGroupIsSplitInsideItsSlotSoNoMoreStatementsRunThanTheConcurrency() {
		AtomicInteger running = new AtomicInteger();
		AtomicInteger mostRunning = new AtomicInteger();
		PendingRow first = request();
		Sinks.Empty<Void> firstAnswer = Sinks.empty();
		PendingInserts inserts = new PendingInserts((rows) -> {
			this.statements.add(rows);
			Mono<Void> answer = rows.equals(List.of(first)) ? firstAnswer.asMono() : (rows.size() > 1)
					? Mono.error(new IllegalStateException("refused")) : Mono.delay(Duration.ofMillis(5)).then();
			return Mono.defer(() -> {
				mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
				return answer;
			}).doOnTerminate(running::decrementAndGet);
		}, 1, 10, 100, Duration.ofMinutes(1));
		inserts.insert(first);
		List<CompletableFuture<Void>> group = List.of(inserts.insert(request()), inserts.insert(request()),
				inserts.insert(request()));

		firstAnswer.tryEmitEmpty();

		assertThat(group).allSatisfy((future) -> assertThat(future).succeedsWithin(Duration.ofSeconds(5)));
		assertThat(this.statements).extracting(List::size).containsExactly(1, 3, 1, 1, 1);
		assertThat(mostRunning).hasValue(1);
	}

	private Mono<Void> pendingStatement(List<PendingRow> rows) {
		Sinks.Empty<Void> answer = Sinks.empty();
		this.statements.add(rows);
		this.answers.add(answer);
		return answer.asMono();
	}

	private static PendingRow request() {
		return new PendingRow(new RequestStart(UUID.randomUUID(), TestRoutes.route("inserts"), "GET",
				"/channels/inserts/x", null, List.of(), "127.0.0.1", Instant.now(), null), UUID.randomUUID());
	}

}
