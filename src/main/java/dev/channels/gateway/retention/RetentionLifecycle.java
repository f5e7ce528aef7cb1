package dev.channels.gateway.retention;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

import dev.channels.gateway.ChannelsProperties;
import dev.channels.gateway.observer.Causes;

import org.springframework.context.SmartLifecycle;

/**
 * Runs a retention pass ({@link RetentionStatements}) every
 * {@code channels.retention.interval}, off the request path, on every instance. A pass
 * that fails is logged in one line and tried again at the next tick; a tick that comes
 * while a pass runs is skipped.
 */
class RetentionLifecycle implements SmartLifecycle {

	/**
	 * Starts once the web server takes requests, and stops first, before the web server's
	 * graceful shutdown ({@code DEFAULT_PHASE - 1024}): retention has nothing to do
	 * during a shutdown, and the outcome writes drained after it
	 * ({@code OutcomeDrain.PHASE}) then have the outcome pool to themselves. Long before
	 * the pools close.
	 */
	static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 512;

	private static final Log logger = LogFactory.getLog(RetentionLifecycle.class);

	// A failure's message can be long (a whole statement); one line, bounded.
	private static final int MAX_MESSAGE_LENGTH = 300;

	private final RetentionStatements records;

	private final Scheduler scheduler;

	private final Duration stopTimeout;

	private final AtomicBoolean passing = new AtomicBoolean();

	private final AtomicLong failures = new AtomicLong();

	private volatile Disposable passes;

	/**
	 * @param records what a pass deletes and wipes
	 * @param scheduler where the ticks are timed
	 * @param stopTimeout on stop, the longest wait for the batch that runs to finish
	 */
	RetentionLifecycle(RetentionStatements records, Scheduler scheduler, Duration stopTimeout) {
		this.records = records;
		this.scheduler = scheduler;
		this.stopTimeout = stopTimeout;
	}

	@Override
	public void start() {
		ChannelsProperties.Retention settings = this.records.settings();
		if (!settings.deletes() && !settings.wipes()) {
			logger.info("Retention: records are kept forever (channels.retention.max-age and wipe-after unset)");
			return;
		}
		logger.info("Retention: "
				+ (settings.deletes() ? "deleting requests older than " + text(settings.maxAge())
						: "keeping requests forever")
				+ (settings.wipes() ? ", wiping previews and header values older than " + text(settings.wipeAfter())
						: "")
				+ ", every " + text(settings.interval()) + " in batches of " + settings.batchSize());
		this.records.resume();
		this.passes = Flux.interval(settings.interval(), this.scheduler)
			.onBackpressureDrop()
			.concatMap((tick) -> pass(), 0)
			.subscribe();
	}

	/**
	 * One pass, its failure logged and counted rather than passed on.
	 * @return what it did, or nothing when it failed
	 */
	Mono<RetentionStatements.Pass> pass() {
		return Mono.defer(() -> {
			this.passing.set(true);
			return this.records.pass();
		}).doOnNext(this::logPass).onErrorResume((error) -> {
			this.failures.incrementAndGet();
			logger.warn("Retention pass failed, will retry in " + text(this.records.settings().interval()) + ": "
					+ oneLine(error));
			return Mono.empty();
		}).doFinally((signal) -> this.passing.set(false));
	}

	@Override
	public void stop() {
		Disposable passes = this.passes;
		if (passes == null) {
			return;
		}
		// Let the batch that runs commit rather than cut it off; start no other.
		this.records.stop();
		long deadline = System.nanoTime() + this.stopTimeout.toNanos();
		while (this.passing.get() && System.nanoTime() - deadline < 0) {
			try {
				Thread.sleep(10);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				break;
			}
		}
		this.passes = null;
		passes.dispose();
	}

	@Override
	public boolean isRunning() {
		return this.passes != null;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

	/** Passes that failed since start. */
	long failures() {
		return this.failures.get();
	}

	private void logPass(RetentionStatements.Pass pass) {
		if (logger.isDebugEnabled() && (pass.deleted() > 0 || pass.wiped() > 0)) {
			logger
				.debug("Retention pass deleted " + pass.deleted() + " requests and wiped " + pass.wiped() + " events");
		}
	}

	private static String text(Duration duration) {
		return ChannelsProperties.Retention.text(duration);
	}

	// The database's own words (the innermost cause), not the wrapper that repeats the
	// statement.
	private static String oneLine(Throwable error) {
		String text = Causes.root(error).toString().replaceAll("\\s+", " ");
		return (text.length() <= MAX_MESSAGE_LENGTH) ? text : text.substring(0, MAX_MESSAGE_LENGTH) + "...";
	}

}
