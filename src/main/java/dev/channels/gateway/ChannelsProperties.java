package dev.channels.gateway;

import java.time.Duration;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of the recording of proxied requests.
 *
 * @param previewSize Leading bytes of each request and response body to store as its
 * preview. A channel can set its own in its route's metadata ({@code preview-size}; 0
 * keeps no preview).
 * @param redactedHeaders Headers whose values are stored as "[REDACTED]", in requests and
 * responses alike, and in the arguments of filters and predicates that name them in
 * channel snapshots. Names match case-insensitively; forwarded headers are never changed.
 * A channel can add its own in its route's metadata ({@code redacted-headers}).
 * @param redactedQueryParams Query parameters whose values are stored as "[REDACTED]", in
 * the request's query and in the sink URL. Names match case-insensitively, after
 * percent-decoding. A channel can add its own in its route's metadata
 * ({@code redacted-query-params}).
 * @param redactedBodyFields Fields whose values are stored as "[REDACTED]" in body
 * previews: in a JSON body, every object member with that name at any depth; in an
 * application/x-www-form-urlencoded body, every field with that name. Names match
 * case-insensitively; the stored size and hash stay those of the real body, and
 * channel_events.redactions says what was replaced. A channel can add its own in its
 * route's metadata ({@code redacted-body-fields}).
 * @param persistence How requests and outcomes are written to the database.
 * @param instance How this gateway instance vouches for the requests it owns.
 * @param clientReadTimeout Longest pause between two reads of a request body from the
 * client. A client that stalls longer is disconnected, and its request recorded as
 * {@code error} with the bytes that had arrived.
 * @param unreadBodyLimit Most bytes of a request body that the sink never read (it could
 * not be reached) that are still read, to record them, before the client is answered 502
 * or 504. Past it, the gateway stops reading, and the record says the body was not read
 * to its end.
 * @param recording Whether requests are recorded at all.
 * @param retention How long records are kept.
 */
@ConfigurationProperties("channels")
@Validated
public record ChannelsProperties(@DefaultValue("64KB") DataSize previewSize, @DefaultValue( {
		"Authorization", "Proxy-Authorization", "X-API-Key", "Cookie", "Set-Cookie" }) List<String> redactedHeaders,
		@DefaultValue List<String> redactedQueryParams,
		@DefaultValue({ "password", "client_secret", "access_token", "refresh_token" }) List<String> redactedBodyFields,
		@Valid @DefaultValue Persistence persistence, @Valid @DefaultValue Instance instance,
		@DefaultValue("60s") Duration clientReadTimeout, @DefaultValue("1MB") DataSize unreadBodyLimit,
		@Valid @DefaultValue Recording recording, @Valid @DefaultValue Retention retention){

	/**
	 * How requests and outcomes are written. The request's row is written before it is
	 * forwarded; its outcome after, off the request path, through a bounded backlog.
	 *
	 * @param insertTimeout Longest wait for the row of a new request (pool, connection
	 * and statement together). A request whose row is not written in time is answered 503
	 * and not forwarded.
	 * @param insertConcurrency Inserts of new requests' rows that may run at once.
	 * Requests that arrive while they all run are inserted together in the next, in one
	 * statement.
	 * @param insertQueueSize Requests that may wait for their rows to be written (or be
	 * written) at once. While the database stalls, a request that finds this many waiting
	 * is answered 503 at once; one that waited past insert-timeout is never inserted.
	 * @param concurrency Outcome writes that may run at once.
	 * @param batchSize Most rows one insert, and most outcomes one write, takes, as one
	 * statement and one commit. Each takes what waits: one while they keep up, more when
	 * they fall behind.
	 * @param outcomeLinger How long an outcome write that is not full waits for more
	 * outcomes, so that outcomes of requests that arrive apart are written together, in
	 * one statement and one commit. Requests never wait for it: an outcome is written up
	 * to this long after its exchange ended. 0 writes each as soon as a write is free.
	 * @param queueSize Outcomes that may wait for a write. Each holds up to two body
	 * previews, so this bounds the memory of a slow database.
	 * @param whenFull What happens while the backlog of outcomes is full.
	 * @param writeTimeout Longest wait for one attempt at writing an outcome.
	 * @param retry How failed outcome writes are retried.
	 * @param shutdownTimeout On shutdown, after the web server has stopped taking
	 * requests and finished its in-flight exchanges, the longest wait for the outcomes
	 * still to be written.
	 */
	public record Persistence(@DefaultValue("2s") Duration insertTimeout,
			@DefaultValue("4") @Min(1) int insertConcurrency, @DefaultValue("1000") @Min(1) int insertQueueSize,
			@DefaultValue("8") @Min(1) int concurrency, @DefaultValue("32") @Min(1) int batchSize,
			@DefaultValue("50ms") Duration outcomeLinger, @DefaultValue("1000") @Min(1) int queueSize,
			@DefaultValue("reject") WhenFull whenFull, @DefaultValue("5s") Duration writeTimeout,
			@Valid @DefaultValue Retry retry, @DefaultValue("10s") Duration shutdownTimeout) {

	}

	/**
	 * What happens while the backlog of outcomes is full.
	 */
	public enum WhenFull {

		/**
		 * New requests are answered 503 and not forwarded, and readiness is DOWN, until
		 * the backlog has room again: no outcome is lost.
		 */
		REJECT,

		/**
		 * New requests are still forwarded; outcomes that find the backlog full are
		 * dropped, counted and logged, and their requests stay pending until this
		 * instance stops.
		 */
		DROP

	}

	/**
	 * How an outcome write that failed for a passing reason (connection lost, timeout,
	 * serialization failure) is retried. A write refused for its data is not retried: the
	 * request is marked {@code error} at once, with an event that says why.
	 *
	 * @param maxRetries Retries after the first attempt before the request is marked
	 * {@code error}.
	 * @param firstBackoff Wait before the first retry; it doubles with each retry.
	 * @param maxBackoff Longest wait between two retries.
	 */
	public record Retry(@DefaultValue("8") @Min(0) int maxRetries, @DefaultValue("250ms") Duration firstBackoff,
			@DefaultValue("5s") Duration maxBackoff) {
	}

	/**
	 * Whether requests are recorded.
	 *
	 * @param enabled {@code false} proxies without observing or recording anything, as
	 * plain Spring Cloud Gateway: the baseline that benchmarks compare against. Never in
	 * production: requests would leave no record.
	 */
	public record Recording(@DefaultValue("true") boolean enabled) {
	}

	/**
	 * Crash recovery. Each instance holds a lease row in {@code channel_instances},
	 * renewed every third of its duration, and owns the requests it records. Every
	 * instance resolves the pending requests of instances whose lease has expired as
	 * {@code error}.
	 *
	 * @param leaseDuration How long a lease lasts without renewal: after a crash, the
	 * crashed instance's pending requests are resolved within about this long plus a
	 * third. Too short, and a database pause longer than it makes live requests look
	 * abandoned.
	 */
	public record Instance(@DefaultValue("30s") Duration leaseDuration) {
	}

	/**
	 * How long records are kept. Every instance runs retention passes on its own timer,
	 * off the request path; several instances share the work without doing any of it
	 * twice. Ages are judged by the database's clock.
	 *
	 * @param maxAge Age after which a request and its event are deleted, counted from the
	 * request's arrival ({@code started_at}). Pending requests are never deleted.
	 * {@code 0} keeps requests forever.
	 * @param wipeAfter Age after which an event's body previews and header values are
	 * wiped, counted from when its outcome was written; state, status, sizes, hashes,
	 * timings, method, path and query stay. Must be shorter than max-age when both are
	 * set. {@code 0} never wipes.
	 * @param interval How often each instance runs a retention pass.
	 * @param batchSize Most rows one statement deletes or wipes, each batch in a short
	 * transaction of its own; a pass takes batch after batch until one comes back short.
	 * @param pause Wait between two batches of one pass, so that a large backlog of old
	 * records is worked off without keeping the database busy.
	 */
	public record Retention(@DefaultValue("0s") Duration maxAge, @DefaultValue("0s") Duration wipeAfter,
			@DefaultValue("1m") Duration interval, @DefaultValue("1000") @Min(1) int batchSize,
			@DefaultValue("100ms") Duration pause) {

		public Retention {
			require(!maxAge.isNegative(), "channels.retention.max-age must not be negative (0 keeps requests forever), "
					+ "was " + text(maxAge));
			require(!wipeAfter.isNegative(),
					"channels.retention.wipe-after must not be negative (0 never wipes), was " + text(wipeAfter));
			require(!positive(maxAge) || !positive(wipeAfter) || wipeAfter.compareTo(maxAge) < 0,
					"channels.retention.wipe-after (" + text(wipeAfter) + ") must be shorter than "
							+ "channels.retention.max-age (" + text(maxAge)
							+ "): requests are deleted at max-age, so there would be nothing left to wipe");
			require(positive(interval), "channels.retention.interval must be positive, was " + text(interval));
			require(!pause.isNegative(), "channels.retention.pause must not be negative, was " + text(pause));
		}

		/** Whether requests are ever deleted. */
		public boolean deletes() {
			return positive(this.maxAge);
		}

		/** Whether events are ever wiped. */
		public boolean wipes() {
			return positive(this.wipeAfter);
		}

		/**
		 * A duration as it is written in the settings: {@code 30d}, {@code 12h},
		 * {@code 100ms}.
		 */
		public static String text(Duration duration) {
			long millis = duration.toMillis();
			long[] units = { 86_400_000, 3_600_000, 60_000, 1000 };
			String[] names = { "d", "h", "m", "s" };
			for (int i = 0; i < units.length; i++) {
				if (millis != 0 && millis % units[i] == 0) {
					return (millis / units[i]) + names[i];
				}
			}
			return millis + "ms";
		}

		// Duration.isPositive() is Java 18.
		private static boolean positive(Duration duration) {
			return !duration.isNegative() && !duration.isZero();
		}

		private static void require(boolean condition, String message) {
			if (!condition) {
				throw new IllegalArgumentException(message);
			}
		}

	}

}
