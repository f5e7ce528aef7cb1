package dev.channels.gateway.recording;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Writes outcomes off the request path: a bounded queue in front of a bounded number of
 * concurrent writes, each subscribed on the recording scheduler so that building and
 * encoding the statement never runs on an I/O thread.
 * <p>
 * A full queue refuses the outcome; that is counted and logged (at most one line every
 * {@value #DROP_LOG_INTERVAL_SECONDS} seconds, with the count), never silent.
 */
class CompletionQueue {

	private static final Log logger = LogFactory.getLog(CompletionQueue.class);

	static final long DROP_LOG_INTERVAL_SECONDS = 10;

	private final Function<Completion, Mono<Void>> writer;

	private final Scheduler scheduler;

	private final int concurrency;

	private final BlockingQueue<Completion> waiting;

	private final AtomicInteger running = new AtomicInteger();

	private final AtomicInteger drainers = new AtomicInteger();

	private final AtomicLong dropped = new AtomicLong();

	private final AtomicLong nextDropLogNanos = new AtomicLong(System.nanoTime());

	CompletionQueue(Function<Completion, Mono<Void>> writer, Scheduler scheduler, int concurrency, int capacity) {
		this.writer = writer;
		this.scheduler = scheduler;
		this.concurrency = concurrency;
		this.waiting = new ArrayBlockingQueue<>(capacity);
	}

	/**
	 * Queues an outcome for writing.
	 * @return {@code false} when the queue was full and the outcome was dropped
	 */
	boolean submit(Completion completion) {
		if (!this.waiting.offer(completion)) {
			droppedOne(completion);
			return false;
		}
		drain();
		return true;
	}

	/** Outcomes queued or being written. */
	int backlog() {
		return this.waiting.size() + this.running.get();
	}

	/** Outcomes refused because the queue was full, since start. */
	long dropped() {
		return this.dropped.get();
	}

	// Every submit and every finished write drains, so no outcome waits while a slot is free.
	// One thread drains at a time (work-in-progress counter): a write that finishes at once,
	// on the draining thread, asks for another pass instead of recursing.
	private void drain() {
		if (this.drainers.getAndIncrement() != 0) {
			return;
		}
		int missed = 1;
		do {
			while (this.running.get() < this.concurrency) {
				Completion next = this.waiting.poll();
				if (next == null) {
					break;
				}
				this.running.incrementAndGet();
				write(next);
			}
			missed = this.drainers.addAndGet(-missed);
		}
		while (missed != 0);
	}

	private void write(Completion completion) {
		Mono.defer(() -> this.writer.apply(completion))
			.subscribeOn(this.scheduler)
			.doFinally((signal) -> {
				this.running.decrementAndGet();
				drain();
			})
			.subscribe(null, (error) -> logger.error("Request " + completion.requestId() + " on channel "
					+ completion.channelId() + ": outcome write failed: " + error));
	}

	private void droppedOne(Completion completion) {
		long total = this.dropped.incrementAndGet();
		long now = System.nanoTime();
		long next = this.nextDropLogNanos.get();
		if (now - next >= 0
				&& this.nextDropLogNanos.compareAndSet(next, now + DROP_LOG_INTERVAL_SECONDS * 1_000_000_000L)) {
			logger.error("Completion queue full: outcome of request " + completion.requestId() + " on channel "
					+ completion.channelId() + " dropped, it stays pending (" + total + " dropped since start)");
		}
	}

}
