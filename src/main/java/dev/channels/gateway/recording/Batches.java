package dev.channels.gateway.recording;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Hands waiting items to a bounded number of concurrent runs, each taking what waits up
 * to a batch. Both the inserts of new requests' rows and the writes of outcomes go
 * through one.
 * <p>
 * Without a linger, a run starts as soon as a slot is free: one item while the runs keep
 * up, many when they fall behind, and nothing waits for a timer; new requests' rows are
 * inserted so, because their clients wait for them. With a linger, a batch that is not
 * full waits until its oldest item has waited that long, so that items that arrive apart
 * still go together; outcomes are written so, because nobody waits for them and each
 * statement costs the database a commit.
 *
 * @param <T> the items
 */
final class Batches<T> {

	private static final Log logger = LogFactory.getLog(Batches.class);

	private final Function<List<T>, Mono<Void>> run;

	private final int concurrency;

	private final int batchSize;

	private final long lingerNanos;

	private final Scheduler timer;

	private final Queue<T> waiting = new ConcurrentLinkedQueue<>();

	// Kept apart from the queue because ConcurrentLinkedQueue.size() walks the whole
	// queue.
	private final AtomicInteger waitingCount = new AtomicInteger();

	private final AtomicInteger runs = new AtomicInteger();

	// Items in those runs.
	private final AtomicInteger running = new AtomicInteger();

	private final AtomicInteger drainers = new AtomicInteger();

	private final AtomicBoolean drainScheduled = new AtomicBoolean();

	// When the oldest waiting item arrived (System.nanoTime()).
	private volatile long oldestSince;

	/**
	 * Batches without a linger.
	 * @param run runs a batch; it must not fail (each caller handles its own failures)
	 * @param concurrency runs that may go at once
	 * @param batchSize the most items one run takes
	 */
	Batches(Function<List<T>, Mono<Void>> run, int concurrency, int batchSize) {
		this(run, concurrency, batchSize, Duration.ZERO, null);
	}

	/**
	 * @param run runs a batch; it must not fail (each caller handles its own failures)
	 * @param concurrency runs that may go at once
	 * @param batchSize the most items one run takes
	 * @param linger how long a batch that is not full waits for more items
	 * @param timer where a lingering batch is started when its time is up
	 */
	Batches(Function<List<T>, Mono<Void>> run, int concurrency, int batchSize, Duration linger, Scheduler timer) {
		this.run = run;
		this.concurrency = concurrency;
		this.batchSize = batchSize;
		this.lingerNanos = linger.toNanos();
		this.timer = timer;
	}

	void add(T item) {
		if (this.waitingCount.getAndIncrement() == 0) {
			this.oldestSince = System.nanoTime();
		}
		this.waiting.offer(item);
		drain();
	}

	/** Items waiting or being run. */
	int size() {
		return this.waitingCount.get() + this.running.get();
	}

	// Every add, every finished run and every linger's end drains, so nothing waits while
	// a
	// run could start. One thread drains at a time (work-in-progress counter): a run that
	// finishes at once, on the draining thread, asks for another pass instead of
	// recursing.
	private void drain() {
		if (this.drainers.getAndIncrement() != 0) {
			return;
		}
		int missed = 1;
		do {
			while (this.runs.get() < this.concurrency && this.waitingCount.get() > 0 && due()) {
				List<T> batch = new ArrayList<>(Math.min(this.batchSize, this.waitingCount.get()));
				T next;
				while (batch.size() < this.batchSize && (next = this.waiting.poll()) != null) {
					// Running before no longer waiting, so that the size never reads low.
					this.running.incrementAndGet();
					this.waitingCount.decrementAndGet();
					batch.add(next);
				}
				if (batch.isEmpty()) {
					break;
				}
				this.runs.incrementAndGet();
				Mono.defer(() -> this.run.apply(batch)).doFinally((signal) -> {
					this.running.addAndGet(-batch.size());
					this.runs.decrementAndGet();
					drain();
				}).subscribe(null, (error) -> logger.error("A batch of " + batch.size() + " failed: " + error));
			}
			missed = this.drainers.addAndGet(-missed);
		}
		while (missed != 0);
	}

	// Whether what waits may go now; if not, a drain is timed for when it may. What is
	// left
	// after a full batch has waited at least as long as the batch did, so it is due at
	// once.
	private boolean due() {
		if (this.lingerNanos <= 0 || this.waitingCount.get() >= this.batchSize) {
			return true;
		}
		long waited = System.nanoTime() - this.oldestSince;
		if (waited >= this.lingerNanos) {
			return true;
		}
		if (this.drainScheduled.compareAndSet(false, true)) {
			this.timer.schedule(() -> {
				this.drainScheduled.set(false);
				drain();
			}, this.lingerNanos - waited, TimeUnit.NANOSECONDS);
		}
		return false;
	}

}
