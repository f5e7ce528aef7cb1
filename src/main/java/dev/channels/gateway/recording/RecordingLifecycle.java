package dev.channels.gateway.recording;

import java.time.Duration;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

import org.springframework.context.SmartLifecycle;

/**
 * Holds this instance's lease while it runs, sweeps the requests that crashed instances
 * left pending, and on shutdown writes every outcome before the database pool closes.
 */
class RecordingLifecycle implements SmartLifecycle {

	/**
	 * Starts before the web server takes requests, so that the lease is held before this
	 * instance owns any request. Stops after the web server's graceful shutdown
	 * ({@code DEFAULT_PHASE - 1024}) and its stop ({@code DEFAULT_PHASE - 2048}), so that
	 * every exchange has ended, and before the beans are destroyed, the pool among them.
	 */
	static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

	private static final Log logger = LogFactory.getLog(RecordingLifecycle.class);

	private static final Duration STATEMENT_TIMEOUT = Duration.ofSeconds(10);

	private final InstanceLease lease;

	private final AbandonedRequests abandoned;

	private final RecordingObserver observer;

	private final CompletionQueue completions;

	private final Scheduler scheduler;

	private final Duration shutdownTimeout;

	private volatile Disposable upkeep;

	RecordingLifecycle(InstanceLease lease, AbandonedRequests abandoned, RecordingObserver observer,
			CompletionQueue completions, Scheduler scheduler, Duration shutdownTimeout) {
		this.lease = lease;
		this.abandoned = abandoned;
		this.observer = observer;
		this.completions = completions;
		this.scheduler = scheduler;
		this.shutdownTimeout = shutdownTimeout;
	}

	@Override
	public void start() {
		// Flyway has just reached the database, so a failure here is worth failing
		// start-up for.
		this.lease.renew().block(STATEMENT_TIMEOUT);
		logger.info("Instance " + this.lease.id() + " holds its lease (" + this.lease.duration() + ")");
		// Renewal before each sweep: an instance whose lease lapsed while the database
		// was away
		// takes it back before it judges others.
		this.upkeep = Flux.interval(this.lease.duration().dividedBy(3), this.scheduler)
			.onBackpressureDrop()
			.concatMap((tick) -> this.lease.renew()
				.then(this.abandoned.closeExpired())
				.timeout(this.lease.duration())
				.doOnNext(this::logClosed)
				.onErrorResume((error) -> {
					logger
						.warn("Instance " + this.lease.id() + ": lease renewal or sweep failed, will retry: " + error);
					return Mono.empty();
				}), 0)
			.subscribe();
	}

	@Override
	public void stop() {
		Disposable upkeep = this.upkeep;
		this.upkeep = null;
		if (upkeep != null) {
			upkeep.dispose();
		}
		awaitOutcomesWritten();
		try {
			Long closed = this.abandoned.closeOwn().block(STATEMENT_TIMEOUT);
			if (closed != null && closed > 0) {
				logger.warn("Instance " + this.lease.id() + " stopped with " + closed
						+ " requests whose outcome was not written; closed them as error");
			}
			this.lease.release().block(STATEMENT_TIMEOUT);
		}
		catch (RuntimeException ex) {
			// The lease expires by itself; other instances, or the next start, close the
			// rest.
			logger.error("Instance " + this.lease.id() + ": could not close its pending requests on shutdown: " + ex);
		}
	}

	@Override
	public boolean isRunning() {
		return this.upkeep != null;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	private void awaitOutcomesWritten() {
		long deadline = System.nanoTime() + this.shutdownTimeout.toNanos();
		while (this.observer.inFlight() > 0 || this.completions.backlog() > 0) {
			if (System.nanoTime() - deadline >= 0) {
				logger.error("Instance " + this.lease.id() + ": shutdown timeout (" + this.shutdownTimeout + ") with "
						+ this.observer.inFlight() + " exchanges in flight and " + this.completions.backlog()
						+ " outcomes not written");
				return;
			}
			try {
				Thread.sleep(10);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	private void logClosed(long closed) {
		if (closed > 0) {
			logger.warn("Closed " + closed + " requests left pending by instances whose lease expired");
		}
	}

}
