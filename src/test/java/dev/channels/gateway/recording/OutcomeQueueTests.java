package dev.channels.gateway.recording;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

import dev.channels.gateway.ChannelsProperties;
import dev.channels.gateway.observer.BodySummary;
import dev.channels.gateway.observer.ExchangeOutcome;
import dev.channels.gateway.observer.RequestStart;
import dev.channels.gateway.support.TestRoutes;

import static org.assertj.core.api.Assertions.assertThat;

class OutcomeQueueTests {

	private final Scheduler scheduler = Schedulers.newSingle("outcome-queue-test");

	private final List<UUID> started = new CopyOnWriteArrayList<>();

	private final List<Sinks.Empty<Void>> writes = new CopyOnWriteArrayList<>();

	private final List<Integer> batchSizes = new CopyOnWriteArrayList<>();

	@AfterEach
	void tearDown() {
		this.scheduler.dispose();
	}

	@Test
	void writesAtMostConcurrencyAtOnceAndDropsBeyondCapacityWhenSetToDrop() {
		OutcomeQueue queue = new OutcomeQueue(this::pendingWrite, this.scheduler, 1, 1, Duration.ZERO, 2,
				ChannelsProperties.WhenFull.DROP);
		List<OutcomeRow> rows = List.of(outcomeRow(), outcomeRow(), outcomeRow(), outcomeRow());

		List<Boolean> accepted = rows.stream().map(queue::submit).toList();

		assertThat(accepted).containsExactly(true, true, false, false);
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> this.started.size() == 1);
		assertThat(queue.backlog()).isEqualTo(2);
		assertThat(queue.full()).isTrue();
		assertThat(queue.dropped()).isEqualTo(2);

		this.writes.get(0).tryEmitEmpty();

		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> this.started.size() == 2);
		assertThat(this.started).containsExactly(rows.get(0).requestId(), rows.get(1).requestId());
		assertThat(queue.backlog()).isEqualTo(1);
		assertThat(queue.full()).isFalse();
	}

	@Test
	void takesEveryOutcomeWhenSetToRejectAndSaysWhenItIsFull() {
		OutcomeQueue queue = new OutcomeQueue(this::pendingWrite, this.scheduler, 1, 1, Duration.ZERO, 2,
				ChannelsProperties.WhenFull.REJECT);
		List<OutcomeRow> rows = List.of(outcomeRow(), outcomeRow(), outcomeRow(), outcomeRow());

		List<Boolean> accepted = rows.stream().map(queue::submit).toList();

		// The outcomes of requests admitted before the backlog filled are all kept.
		assertThat(accepted).containsExactly(true, true, true, true);
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> this.started.size() == 1);
		assertThat(queue.backlog()).isEqualTo(4);
		assertThat(queue.full()).isTrue();
		assertThat(queue.dropped()).isZero();

		this.writes.get(0).tryEmitEmpty();
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> this.started.size() == 2);
		assertThat(queue.full()).isTrue();
		this.writes.get(1).tryEmitEmpty();
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> this.started.size() == 3);
		this.writes.get(2).tryEmitEmpty();

		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> this.started.size() == 4);
		assertThat(queue.backlog()).isEqualTo(1);
		assertThat(queue.full()).isFalse();
		assertThat(this.started).containsExactlyElementsOf(rows.stream().map(OutcomeRow::requestId).toList());
	}

	@Test
	void aFailedWriteFreesItsSlot() {
		OutcomeQueue queue = new OutcomeQueue((batch) -> {
			batch.forEach((row) -> this.started.add(row.requestId()));
			return Mono.error(new IllegalStateException("database gone"));
		}, this.scheduler, 1, 1, Duration.ZERO, 10, ChannelsProperties.WhenFull.REJECT);

		queue.submit(outcomeRow());
		queue.submit(outcomeRow());

		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> this.started.size() == 2);
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> queue.backlog() == 0);
	}

	@Test
	void aWriteTakesWhatWaitsUpToTheBatchSize() {
		OutcomeQueue queue = new OutcomeQueue(this::pendingWrite, this.scheduler, 1, 3, Duration.ZERO, 100,
				ChannelsProperties.WhenFull.REJECT);
		List<OutcomeRow> rows = List.of(outcomeRow(), outcomeRow(), outcomeRow(), outcomeRow(), outcomeRow());

		rows.forEach(queue::submit);
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> this.batchSizes.size() == 1);
		this.writes.get(0).tryEmitEmpty();
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> this.batchSizes.size() == 2);
		this.writes.get(1).tryEmitEmpty();
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> this.batchSizes.size() == 3);

		// The first went alone, as soon as it came; the rest waited and went together.
		assertThat(this.batchSizes).containsExactly(1, 3, 1);
		assertThat(this.started).containsExactlyElementsOf(rows.stream().map(OutcomeRow::requestId).toList());
		assertThat(queue.backlog()).isEqualTo(1);
	}

	@Test
	void withALingerOutcomesThatArriveApartAreWrittenTogetherAndAFullBatchGoesAtOnce() {
		OutcomeQueue queue = new OutcomeQueue(this::pendingWrite, this.scheduler, 1, 4, Duration.ofSeconds(2), 100,
				ChannelsProperties.WhenFull.REJECT);
		long started = System.nanoTime();

		queue.submit(outcomeRow());
		queue.submit(outcomeRow());
		assertThat(this.batchSizes).isEmpty();
		Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> this.batchSizes.size() == 1);

		// Neither went alone: the first waited the linger out for the second.
		assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofSeconds(2));
		assertThat(this.batchSizes).containsExactly(2);
		this.writes.get(0).tryEmitEmpty();

		List.of(outcomeRow(), outcomeRow(), outcomeRow(), outcomeRow()).forEach(queue::submit);

		// A full batch does not wait out the linger.
		Awaitility.await().atMost(Duration.ofSeconds(1)).until(() -> this.batchSizes.size() == 2);
		assertThat(this.batchSizes).containsExactly(2, 4);
	}

	private Mono<Void> pendingWrite(List<OutcomeRow> batch) {
		Sinks.Empty<Void> write = Sinks.empty();
		this.writes.add(write);
		batch.forEach((row) -> this.started.add(row.requestId()));
		this.batchSizes.add(batch.size());
		return write.asMono();
	}

	private static OutcomeRow outcomeRow() {
		RequestStart request = new RequestStart(UUID.randomUUID(), TestRoutes.route("queue"), "GET",
				"/channels/queue/x", null, List.of(), "127.0.0.1", Instant.now(), null);
		BodySummary empty = new BodySummary(0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
				new byte[0]);
		ExchangeOutcome outcome = new ExchangeOutcome(ExchangeOutcome.Kind.DELIVERED, null, URI.create("http://sink/x"),
				empty, empty, Duration.ofMillis(3), 200);
		return OutcomeRow.of(RecordingState.written(request, TestRoutes.UNREDACTED), outcome, UUID.randomUUID(),
				Instant.now());
	}

}
