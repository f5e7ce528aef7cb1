package dev.channels.gateway.recovery;

import java.time.Duration;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

import org.springframework.context.SmartLifecycle;

/**
 * Holds this instance's lease while it runs and sweeps the requests that crashed
 * instances left pending; on shutdown, closes the requests of its own still pending and
 * releases the lease.
 */
class RecoveryLifecycle implements SmartLifecycle {

	/**
	 * The lowest phase of the application. Starts first, before the web server takes
	 * requests, so that the lease is held before this instance owns any request. Stops
	 * last: after the web server's graceful shutdown ({@code DEFAULT_PHASE - 1024}) and
	 * recording's outcome drain ({@code OutcomeDrain.PHASE},
	 * {@code DEFAULT_PHASE - 4096}), so that a request still pending then is one whose
	 * outcome was lost, and the lease is released after the last outcome; and before the
	 * beans are destroyed, the pools among them.
	 */
	static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 8192;

	private static final Log logger = LogFactory.getLog(RecoveryLifecycle.class);

	private static final Duration STATEMENT_TIMEOUT = Duration.ofSeconds(10);

	private final InstanceLease lease;

	private final AbandonedRequests abandoned;

	private final Scheduler scheduler;

	private volatile Disposable upkeep;

	RecoveryLifecycle(InstanceLease lease, AbandonedRequests abandoned, Scheduler scheduler) {
		this.lease = lease;
		this.abandoned = abandoned;
		this.scheduler = scheduler;
	}

	@Override
	public void start() {
		// Flyway has just reached the database, so a failure here is worth failing
		// start-up
		// for.
		this.lease.renew().block(STATEMENT_TIMEOUT);
		logger.info("Instance " + this.lease.id() + " holds its lease (" + this.lease.duration() + ")");
		// Renewal before each sweep: an instance whose lease lapsed while the database
		// was
		// away takes it back before it judges others.
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

	private void logClosed(long closed) {
		if (closed > 0) {
			logger.warn("Closed " + closed + " requests left pending by instances whose lease expired");
		}
	}

}
