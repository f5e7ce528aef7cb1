package dev.channels.gateway.recording;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

/**
 * Hands waiting items to a bounded number of concurrent runs, each taking what waits up
 * to a batch: one item while the runs keep up, many when they fall behind, and no timer,
 * so nothing waits for a batch to fill. Both the inserts of new requests' rows and the
 * writes of outcomes go through one.
 *
 * @param <T> the items
 */
final class Batches<T> {

	private static final Log logger = LogFactory.getLog(Batches.class);

	private final Function<List<T>, Mono<Void>> run;

	private final int concurrency;

	private final int batchSize;

	private final Queue<T> waiting = new ConcurrentLinkedQueue<>();

	// Kept apart from the queue because ConcurrentLinkedQueue.size() walks the whole
	// queue.
	private final AtomicInteger waitingCount = new AtomicInteger();

	private final AtomicInteger runs = new AtomicInteger();

	// Items in those runs.
	private final AtomicInteger running = new AtomicInteger();

	private final AtomicInteger drainers = new AtomicInteger();

	/**
	 * @param run runs a batch; it must not fail (each caller handles its own failures)
	 * @param concurrency runs that may go at once
	 * @param batchSize the most items one run takes
	 */
	Batches(Function<List<T>, Mono<Void>> run, int concurrency, int batchSize) {
		this.run = run;
		this.concurrency = concurrency;
		this.batchSize = batchSize;
	}

	void add(T item) {
		this.waitingCount.incrementAndGet();
		this.waiting.offer(item);
		drain();
	}

	/** Items waiting or being run. */
	int size() {
		return this.waitingCount.get() + this.running.get();
	}

	// Every add and every finished run drains, so nothing waits while a run could start.
	// One thread drains at a time (work-in-progress counter): a run that finishes at
	// once, on the draining thread, asks for another pass instead of recursing.
	private void drain() {
		if (this.drainers.getAndIncrement() != 0) {
			return;
		}
		int missed = 1;
		do {
			while (this.runs.get() < this.concurrency && this.waitingCount.get() > 0) {
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

}
