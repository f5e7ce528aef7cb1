package dev.channels.gateway.recording;

import java.time.Duration;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;

/**
 * On shutdown, waits until every exchange has handed over its outcome and every outcome
 * has been written, or until {@code channels.persistence.shutdown-timeout}.
 */
class OutcomeDrain implements SmartLifecycle {

	/**
	 * Stops after the web server's graceful shutdown ({@code DEFAULT_PHASE - 1024}) and
	 * its stop ({@code DEFAULT_PHASE - 2048}), so that every exchange has ended and no
	 * new one starts; and before recovery's lifecycle ({@code RecoveryLifecycle.PHASE}),
	 * which then closes what is left pending and releases the lease, and before the beans
	 * are destroyed, the pools among them.
	 */
	static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

	private static final Log logger = LogFactory.getLog(OutcomeDrain.class);

	private final RecordingObserver observer;

	private final OutcomeQueue outcomes;

	private final Duration shutdownTimeout;

	private volatile boolean running;

	OutcomeDrain(RecordingObserver observer, OutcomeQueue outcomes, Duration shutdownTimeout) {
		this.observer = observer;
		this.outcomes = outcomes;
		this.shutdownTimeout = shutdownTimeout;
	}

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public void stop() {
		this.running = false;
		long deadline = System.nanoTime() + this.shutdownTimeout.toNanos();
		while (this.observer.inFlight() > 0 || this.outcomes.backlog() > 0) {
			if (System.nanoTime() - deadline >= 0) {
				logger.error("Shutdown timeout (" + this.shutdownTimeout + ") with " + this.observer.inFlight()
						+ " exchanges in flight and " + this.outcomes.backlog() + " outcomes not written");
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

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

}
