package dev.channels.gateway.history;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import io.r2dbc.spi.R2dbcNonTransientResourceException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.http.HttpStatus;
import org.springframework.mock.web.reactive.function.server.MockServerRequest;
import org.springframework.web.reactive.function.server.EntityResponse;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link HistoryHandler#handleErrors}: what the handlers throw or signal becomes the
 * API's error answers, and nothing else is swallowed.
 */
class HistoryHandlerTests {

	private final HistoryHandler handler = new HistoryHandler(null, JsonMapper.builder().build());

	@Test
	void anInvalidParameterThrownBeforeAnyQueryIs400() {
		assertThat(status((request) -> {
			throw new InvalidParameterException("limit", "must be an integer from 1 to 500");
		})).isEqualTo(HttpStatus.BAD_REQUEST);
	}

	@Test
	void aStatementCancelledByTheTimeoutIs503QueryTimeout() {
		// as the driver reports it: a resource failure with SQLSTATE 57014
		R2dbcNonTransientResourceException canceled = new R2dbcNonTransientResourceException(
				"canceling statement due to statement timeout", "57014");
		ServerResponse response = respond(
				(request) -> Mono.error(new DataAccessResourceFailureException("execute", canceled)));

		assertThat(response.statusCode().value()).isEqualTo(503);
		assertThat(body(response)).contains("\"error\":\"query_timeout\"");
		assertThat(status((request) -> Mono.error(new QueryTimeoutException("timed out"))))
			.isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
	}

	@Test
	void anUnreachableDatabaseIs503HistoryUnavailable() {
		ServerResponse response = respond(
				(request) -> Mono.error(new DataAccessResourceFailureException("no connection")));

		assertThat(response.statusCode().value()).isEqualTo(503);
		assertThat(body(response)).contains("\"error\":\"history_unavailable\"");
		assertThat(status((request) -> Mono.error(new R2dbcNonTransientResourceException("pool closed"))))
			.isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
	}

	@Test
	void otherErrorsAreLeftToWebFlux() {
		StepVerifier
			.create(this.handler.handleErrors(MockServerRequest.builder().build(),
					(request) -> Mono.error(new IllegalStateException("a bug"))))
			.expectError(IllegalStateException.class)
			.verify(Duration.ofSeconds(5));
	}

	private HttpStatus status(HandlerFunction<ServerResponse> next) {
		return HttpStatus.valueOf(respond(next).statusCode().value());
	}

	private ServerResponse respond(HandlerFunction<ServerResponse> next) {
		return this.handler.handleErrors(MockServerRequest.builder().build(), next).block(Duration.ofSeconds(5));
	}

	private static String body(ServerResponse response) {
		return new String((byte[]) ((EntityResponse<?>) response).entity(), StandardCharsets.UTF_8);
	}

}
