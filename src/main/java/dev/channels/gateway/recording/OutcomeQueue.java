package dev.channels.gateway.recording;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

import dev.channels.gateway.ChannelsProperties;

/**
 * Writes outcomes off the request path: a bounded backlog in front of a bounded number of
 * concurrent writes, each subscribed on the recording scheduler so that building and
 * encoding the statement never runs on an I/O thread.
 * <p>
 * What a full backlog means depends on the {@link ChannelsProperties.WhenFull} setting.
 * With {@code REJECT}, the observer admits no new request while {@link #full()}, and
 * every outcome of an admitted request is taken: the backlog can exceed its capacity by
 * the exchanges that were in flight when it filled, and no more. With {@code DROP}, an
 * outcome that finds the backlog full is refused; that is counted and logged (at most one
 * line every {@value #DROP_LOG_INTERVAL_SECONDS} seconds, with the count), never silent.
 */
class OutcomeQueue {

	private static final Log logger = LogFactory.getLog(OutcomeQueue.class);

	static final long DROP_LOG_INTERVAL_SECONDS = 10;

	private final Batches<OutcomeRow> batches;

	private final int capacity;

	private final boolean dropWhenFull;

	private final AtomicLong dropped = new AtomicLong();

	private final AtomicLong nextDropLogNanos = new AtomicLong(System.nanoTime());

	/**
	 * @param writer writes a batch of outcomes (one, when the backlog is short)
	 * @param scheduler where each write is subscribed
	 * @param concurrency writes that may run at once
	 * @param batchSize the most outcomes one write takes
	 * @param linger how long a write that is not full waits for more outcomes
	 * @param capacity outcomes that may wait or be written before the backlog is full
	 * @param whenFull what a full backlog means
	 */
	OutcomeQueue(Function<List<OutcomeRow>, Mono<Void>> writer, Scheduler scheduler, int concurrency, int batchSize,
			Duration linger, int capacity, ChannelsProperties.WhenFull whenFull) {
		this.batches = new Batches<>((batch) -> write(writer, scheduler, batch), concurrency, batchSize, linger,
				scheduler);
		this.capacity = capacity;
		this.dropWhenFull = whenFull == ChannelsProperties.WhenFull.DROP;
	}

	/**
	 * Queues an outcome for writing.
	 * @return {@code false} when the backlog was full and the outcome was dropped
	 */
	boolean submit(OutcomeRow outcome) {
		if (this.dropWhenFull && full()) {
			droppedOne(outcome);
			return false;
		}
		this.batches.add(outcome);
		return true;
	}

	/** Outcomes queued or being written. */
	int backlog() {
		return this.batches.size();
	}

	int capacity() {
		return this.capacity;
	}

	/** Whether the backlog has reached its capacity. */
	boolean full() {
		return backlog() >= this.capacity;
	}

	/**
	 * Whether new requests are refused while the backlog is full, rather than outcomes
	 * dropped.
	 */
	boolean rejectsWhenFull() {
		return !this.dropWhenFull;
	}

	/** Outcomes refused because the queue was full, since start. */
	long dropped() {
		return this.dropped.get();
	}

	private static Mono<Void> write(Function<List<OutcomeRow>, Mono<Void>> writer, Scheduler scheduler,
			List<OutcomeRow> batch) {
		return Mono.defer(() -> writer.apply(batch)).subscribeOn(scheduler).onErrorResume((error) -> {
			logger.error("Outcomes of " + batch.size() + " requests, the first " + batch.get(0).requestId()
					+ " on channel " + batch.get(0).channelId() + ": write failed: " + error);
			return Mono.empty();
		});
	}

	private void droppedOne(OutcomeRow outcome) {
		long total = this.dropped.incrementAndGet();
		long now = System.nanoTime();
		long next = this.nextDropLogNanos.get();
		if (now - next >= 0
				&& this.nextDropLogNanos.compareAndSet(next, now + DROP_LOG_INTERVAL_SECONDS * 1_000_000_000L)) {
			logger.error("Outcome backlog full: outcome of request " + outcome.requestId() + " on channel "
					+ outcome.channelId() + " dropped, it stays pending until this instance stops (" + total
					+ " dropped since start)");
		}
	}

}
