package dev.channels.gateway.recording;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import reactor.core.publisher.Mono;

import dev.channels.gateway.observer.BodySummary;
import dev.channels.gateway.observer.ExchangeOutcome;
import dev.channels.gateway.observer.Header;
import dev.channels.gateway.observer.RequestStart;
import dev.channels.gateway.observer.ResponseStart;
import dev.channels.gateway.support.TestBodies;
import dev.channels.gateway.support.TestRoutes;

import org.springframework.context.ApplicationContext;

/**
 * Outcomes written through the application's own recording statements, for the tests of
 * other features (retention racing the outcome writes).
 */
public final class TestOutcomes {

	private final RecordingStatements statements;

	private final Map<UUID, OutcomeRow> prepared = new ConcurrentHashMap<>();

	public TestOutcomes(ApplicationContext context) {
		this.statements = context.getBean(RecordingStatements.class);
	}

	/**
	 * Prepares the outcome of a delivered exchange (200, with headers and bodies) for a
	 * pending row the caller inserted.
	 */
	public void delivered(UUID requestId, String channel) {
		RequestStart start = new RequestStart(requestId, TestRoutes.route(channel), "POST",
				"/channels/" + channel + "/race", null, List.of(new Header("Content-Type", "text/plain")), "127.0.0.1",
				Instant.now(), null);
		byte[] body = "race".getBytes();
		BodySummary summary = new BodySummary(body.length, TestBodies.sha256(body), body);
		RecordingState state = RecordingState.written(start, TestRoutes.UNREDACTED)
			.withResponse(new ResponseStart(200, List.of(new Header("X-Sink", "yes")), Duration.ofMillis(1)));
		ExchangeOutcome outcome = new ExchangeOutcome(ExchangeOutcome.Kind.DELIVERED, null,
				URI.create("http://sink/race"), summary, summary, Duration.ofMillis(2), 200);
		this.prepared.put(requestId, OutcomeRow.of(state, outcome, UUID.randomUUID(), Instant.now()));
	}

	/**
	 * Writes the prepared outcomes of these requests in one statement, as a batch of
	 * outcome writes does.
	 * @return how many pending rows it closed
	 */
	public Mono<Long> write(List<UUID> requestIds) {
		return this.statements.complete(requestIds.stream().map(this.prepared::get).toList());
	}

}
