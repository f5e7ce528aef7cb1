package dev.channels.gateway.recording;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;

/**
 * What went wrong with the database lately: requests that could not be recorded, outcomes
 * that could not be written, and the latest failure of either, for health details and
 * metrics. Reasons are the database's messages, never headers or bodies.
 */
class PersistenceFailures {

	private final AtomicLong insertFailures = new AtomicLong();

	private final AtomicLong writeFailures = new AtomicLong();

	private final AtomicReference<@Nullable Latest> latest = new AtomicReference<>();

	void insertFailed(String reason) {
		this.insertFailures.incrementAndGet();
		this.latest.set(new Latest(Instant.now(), "request not recorded: " + reason));
	}

	void writeFailed(String reason) {
		this.writeFailures.incrementAndGet();
		this.latest.set(new Latest(Instant.now(), "outcome not written: " + reason));
	}

	/** Requests refused because their row could not be written, since start. */
	long insertFailures() {
		return this.insertFailures.get();
	}

	/** Outcomes that could not be written at all, since start. */
	long writeFailures() {
		return this.writeFailures.get();
	}

	@Nullable Latest latest() {
		return this.latest.get();
	}

	/**
	 * The latest failure.
	 *
	 * @param at when it happened
	 * @param what what failed, and why
	 */
	record Latest(Instant at, String what) {
	}

}
