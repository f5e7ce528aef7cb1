package dev.channels.gateway.recording;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Writes outcomes off the request path: a bounded backlog in front of a bounded number of
 * concurrent writes, each subscribed on the recording scheduler so that building and
 * encoding the statement never runs on an I/O thread.
 * <p>
 * What a full backlog means depends on the {@link ChannelsProperties.WhenFull} setting. With
 * {@code REJECT}, the observer admits no new request while {@link #full()}, and every
 * outcome of an admitted request is taken: the backlog can exceed its capacity by the
 * exchanges that were in flight when it filled, and no more. With {@code DROP}, an outcome
 * that finds the backlog full is refused; that is counted and logged (at most one line
 * every {@value #DROP_LOG_INTERVAL_SECONDS} seconds, with the count), never silent.
 */
class CompletionQueue {

	private static final Log logger = LogFactory.getLog(CompletionQueue.class);

	static final long DROP_LOG_INTERVAL_SECONDS = 10;

	private final Function<List<Completion>, Mono<Void>> writer;

	private final Scheduler scheduler;

	private final int concurrency;

	private final int batchSize;

	private final int capacity;

	private final boolean dropWhenFull;

	private final Queue<Completion> waiting = new ConcurrentLinkedQueue<>();

	// Kept apart from the queue because ConcurrentLinkedQueue.size() walks the whole queue.
	private final AtomicInteger waitingCount = new AtomicInteger();

	// Writes in progress, each of a batch of outcomes.
	private final AtomicInteger writes = new AtomicInteger();

	// Outcomes in those writes.
	private final AtomicInteger writing = new AtomicInteger();

	private final AtomicInteger drainers = new AtomicInteger();

	private final AtomicLong dropped = new AtomicLong();

	private final AtomicLong nextDropLogNanos = new AtomicLong(System.nanoTime());

	/**
	 * @param writer writes a batch of outcomes (one, when the backlog is short)
	 * @param scheduler where each write is subscribed
	 * @param concurrency writes that may run at once
	 * @param batchSize the most outcomes one write takes
	 * @param capacity outcomes that may wait or be written before the backlog is full
	 * @param whenFull what a full backlog means
	 */
	CompletionQueue(Function<List<Completion>, Mono<Void>> writer, Scheduler scheduler, int concurrency,
			int batchSize, int capacity, ChannelsProperties.WhenFull whenFull) {
		this.writer = writer;
		this.scheduler = scheduler;
		this.concurrency = concurrency;
		this.batchSize = batchSize;
		this.capacity = capacity;
		this.dropWhenFull = whenFull == ChannelsProperties.WhenFull.DROP;
	}

	/**
	 * Queues an outcome for writing.
	 * @return {@code false} when the backlog was full and the outcome was dropped
	 */
	boolean submit(Completion completion) {
		if (this.dropWhenFull && full()) {
			droppedOne(completion);
			return false;
		}
		this.waitingCount.incrementAndGet();
		this.waiting.offer(completion);
		drain();
		return true;
	}

	/** Outcomes queued or being written. */
	int backlog() {
		return this.waitingCount.get() + this.writing.get();
	}

	int capacity() {
		return this.capacity;
	}

	/** Whether the backlog has reached its capacity. */
	boolean full() {
		return backlog() >= this.capacity;
	}

	/** Whether new requests are refused while the backlog is full, rather than outcomes dropped. */
	boolean rejectsWhenFull() {
		return !this.dropWhenFull;
	}

	/** Outcomes refused because the queue was full, since start. */
	long dropped() {
		return this.dropped.get();
	}

	// Every submit and every finished write drains, so no outcome waits while a slot is free.
	// One thread drains at a time (work-in-progress counter): a write that finishes at once,
	// on the draining thread, asks for another pass instead of recursing. A write takes what
	// waits, up to a batch: one outcome when writes keep up, many in one statement when they
	// fall behind, with no timer and so no added wait.
	private void drain() {
		if (this.drainers.getAndIncrement() != 0) {
			return;
		}
		int missed = 1;
		do {
			while (this.writes.get() < this.concurrency && this.waitingCount.get() > 0) {
				List<Completion> batch = new ArrayList<>(Math.min(this.batchSize, this.waitingCount.get()));
				Completion next;
				while (batch.size() < this.batchSize && (next = this.waiting.poll()) != null) {
					// Writing before no longer waiting, so that the backlog never reads low.
					this.writing.incrementAndGet();
					this.waitingCount.decrementAndGet();
					batch.add(next);
				}
				if (batch.isEmpty()) {
					break;
				}
				this.writes.incrementAndGet();
				write(batch);
			}
			missed = this.drainers.addAndGet(-missed);
		}
		while (missed != 0);
	}

	private void write(List<Completion> batch) {
		Mono.defer(() -> this.writer.apply(batch))
			.subscribeOn(this.scheduler)
			.doFinally((signal) -> {
				this.writing.addAndGet(-batch.size());
				this.writes.decrementAndGet();
				drain();
			})
			.subscribe(null, (error) -> logger.error("Outcomes of " + batch.size() + " requests, the first "
					+ batch.get(0).requestId() + " on channel " + batch.get(0).channelId() + ": write failed: " + error));
	}

	private void droppedOne(Completion completion) {
		long total = this.dropped.incrementAndGet();
		long now = System.nanoTime();
		long next = this.nextDropLogNanos.get();
		if (now - next >= 0
				&& this.nextDropLogNanos.compareAndSet(next, now + DROP_LOG_INTERVAL_SECONDS * 1_000_000_000L)) {
			logger.error("Completion backlog full: outcome of request " + completion.requestId() + " on channel "
					+ completion.channelId() + " dropped, it stays pending until this instance stops (" + total
					+ " dropped since start)");
		}
	}

}
