package dev.channels.gateway.recovery;

import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

import reactor.core.publisher.Mono;

import org.springframework.r2dbc.core.DatabaseClient;

/**
 * This instance's lease in {@code channel_instances}: while it is renewed, the requests
 * this instance owns are its own to close. Expiry is computed by the database's clock.
 * Recording names it as the owner of every row it inserts.
 */
public class InstanceLease {

	private static final String RENEW = """
			INSERT INTO channel_instances (id, expires_at)
			VALUES (:id, now() + make_interval(secs => :seconds))
			ON CONFLICT (id) DO UPDATE SET expires_at = EXCLUDED.expires_at""";

	private static final String RELEASE = "DELETE FROM channel_instances WHERE id = :id";

	private final DatabaseClient database;

	private final String id;

	private final Duration duration;

	InstanceLease(DatabaseClient database, String id, Duration duration) {
		this.database = database;
		this.id = id;
		this.duration = duration;
	}

	/**
	 * A name for a new instance: the host name (a pod's name in Kubernetes) for people to
	 * read, and a random part, so that a restart under the same name is a new owner.
	 */
	static String newInstanceId() {
		String host = System.getenv().getOrDefault("HOSTNAME", "gateway");
		return host + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
	}

	/** This instance's name: the owner of the requests it records. */
	public String id() {
		return this.id;
	}

	Duration duration() {
		return this.duration;
	}

	/**
	 * Takes the lease, or extends it; takes it again after another instance let it go.
	 */
	Mono<Void> renew() {
		return this.database.sql(RENEW).bind("id", this.id).bind("seconds", this.duration.toMillis() / 1000.0).then();
	}

	Mono<Void> release() {
		return this.database.sql(RELEASE).bind("id", this.id).then();
	}

}
