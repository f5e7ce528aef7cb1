package dev.channels.gateway.history;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

import io.r2dbc.spi.R2dbcException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import tools.jackson.databind.json.JsonMapper;

import dev.channels.gateway.observer.Causes;

import org.springframework.dao.DataAccessException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.web.reactive.function.server.HandlerFunction;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The history API's endpoints. Answers JSON: the API's data, or {@code {"error",
 * "parameter", "message"}} with 400 for a parameter it cannot use, 404 for an unknown
 * request, 503 when the history database did not answer in time.
 * <p>
 * Every answer is narrowed to the channels the reader may read ({@link ChannelGrants},
 * from the authenticated principal): lists and summaries leave the others out, and a
 * request of another channel is 404, the very answer of an id that does not exist. Each
 * read of one request is written to the {@value #AUDIT_LOGGER} logger.
 */
final class HistoryHandler {

	/** The logger of the audit trail: who read which request's detail, and when. */
	static final String AUDIT_LOGGER = "channels.audit";

	private static final Log logger = LogFactory.getLog(HistoryHandler.class);

	private static final Log audit = LogFactory.getLog(AUDIT_LOGGER);

	/** The summary's window when none is given: the last hour. */
	static final Duration DEFAULT_WINDOW = Duration.ofHours(1);

	private static final String QUERY_CANCELED = "57014";

	private final HistoryQueries records;

	private final JsonMapper json;

	HistoryHandler(HistoryQueries records, JsonMapper json) {
		this.records = records;
		this.json = json;
	}

	Mono<ServerResponse> requests(ServerRequest request) {
		RequestQuery query = RequestQuery.of(new Parameters(request.queryParams()));
		return reader(request).flatMap((reader) -> this.records.list(query, ChannelGrants.of(reader)))
			.flatMap(this::ok);
	}

	Mono<ServerResponse> request(ServerRequest request) {
		UUID id = Parameters.uuid("id", request.pathVariable("id"));
		return reader(request).flatMap((reader) -> this.records.find(id, ChannelGrants.of(reader)).doOnNext((found) -> {
			if (audit.isInfoEnabled()) {
				audit.info("reader=" + name(reader) + " request=" + id + " channel="
						+ name(String.valueOf(found.get("channel_id"))) + " at=" + Instant.now());
			}
		}))
			.flatMap(this::ok)
			.switchIfEmpty(Mono.defer(() -> error(HttpStatus.NOT_FOUND, "not_found", null, "no request " + id)));
	}

	Mono<ServerResponse> summary(ServerRequest request) {
		Parameters parameters = new Parameters(request.queryParams());
		Window window = Window.of(parameters);
		return ofGrantedChannel(request, (channel) -> this.records.summary(channel, window.from(), window.to()));
	}

	Mono<ServerResponse> buckets(ServerRequest request) {
		Parameters parameters = new Parameters(request.queryParams());
		Window window = Window.of(parameters);
		Duration length = Duration.between(window.from(), window.to());
		Duration width = parameters.duration("bucket").orElseGet(() -> Buckets.width(length));
		long count = Buckets.count(length, width);
		if (count > Buckets.MAX) {
			throw new InvalidParameterException("bucket",
					"makes " + count + " buckets of the window; at most " + Buckets.MAX + ": choose a wider one");
		}
		return ofGrantedChannel(request, (channel) -> this.records.buckets(channel, window.from(), window.to(), width));
	}

	// The answer about the path's channel, or the same 404 for a channel the reader may
	// not read as for one that does not exist.
	private Mono<ServerResponse> ofGrantedChannel(ServerRequest request,
			Function<String, Mono<Map<String, Object>>> answer) {
		String channel = request.pathVariable("channel");
		return reader(request).filter((reader) -> ChannelGrants.of(reader).permits(channel))
			.flatMap((reader) -> answer.apply(channel))
			.flatMap(this::ok)
			.switchIfEmpty(Mono.defer(() -> error(HttpStatus.NOT_FOUND, "not_found", null, "no channel " + channel)));
	}

	/**
	 * The window a summary or the buckets are asked for: {@code from} to {@code to}, by
	 * default the last {@link #DEFAULT_WINDOW} up to now.
	 */
	private record Window(Instant from, Instant to) {

		static Window of(Parameters parameters) {
			Instant to = parameters.instant("to").orElseGet(() -> Instant.now().truncatedTo(ChronoUnit.MICROS));
			Instant from = parameters.instant("from").orElseGet(() -> to.minus(DEFAULT_WINDOW));
			if (!to.isAfter(from)) {
				throw new InvalidParameterException("to", "must be after from");
			}
			return new Window(from, to);
		}

	}

	// The security chain lets no one without an authentication this far; should a route
	// be reached without one, it reads nothing.
	private static Mono<Authentication> reader(ServerRequest request) {
		return request.principal()
			.ofType(Authentication.class)
			.defaultIfEmpty(UsernamePasswordAuthenticationToken.unauthenticated("anonymous", null));
	}

	// Names in log lines: no control characters (a JWT's sub is the issuer's to choose).
	private static String name(Authentication reader) {
		return name(reader.getName());
	}

	private static String name(String text) {
		return text.replaceAll("[\\p{Cntrl}\\s]", "?");
	}

	/** Turns what the handlers throw or signal into the API's error answers. */
	Mono<ServerResponse> handleErrors(ServerRequest request, HandlerFunction<ServerResponse> next) {
		return Mono.defer(() -> next.handle(request))
			.onErrorResume(InvalidParameterException.class,
					(ex) -> error(HttpStatus.BAD_REQUEST, "invalid_parameter", ex.parameter(), ex.getMessage()))
			.onErrorResume(HistoryHandler::isStatementTimeout, (ex) -> {
				logger.warn("History query cancelled after " + HistoryDatabase.STATEMENT_TIMEOUT.toSeconds() + " s: "
						+ request.path());
				return error(HttpStatus.SERVICE_UNAVAILABLE, "query_timeout", null, "the query ran longer than "
						+ HistoryDatabase.STATEMENT_TIMEOUT.toSeconds() + " s; narrow it (channel, state, from, to)");
			})
			.onErrorResume((ex) -> ex instanceof DataAccessException || ex instanceof R2dbcException, (ex) -> {
				logger.warn("History query failed: " + request.path() + ": " + ex.getMessage());
				return error(HttpStatus.SERVICE_UNAVAILABLE, "history_unavailable", null,
						"the history database did not answer");
			});
	}

	// PostgreSQL's query_canceled (57014), which the statement timeout raises; the driver
	// reports it as a resource failure, not as a timeout.
	static boolean isStatementTimeout(Throwable error) {
		return Causes.any(error, (cause) -> cause instanceof QueryTimeoutException
				|| (cause instanceof R2dbcException r2dbc && QUERY_CANCELED.equals(r2dbc.getSqlState())));
	}

	private Mono<ServerResponse> ok(Object body) {
		return ServerResponse.ok()
			.contentType(MediaType.APPLICATION_JSON)
			.header(HttpHeaders.CACHE_CONTROL, "no-store")
			.bodyValue(this.json.writeValueAsBytes(body));
	}

	private Mono<ServerResponse> error(HttpStatus status, String error, @Nullable String parameter, String message) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("error", error);
		if (parameter != null) {
			body.put("parameter", parameter);
		}
		body.put("message", message);
		return ServerResponse.status(status)
			.contentType(MediaType.APPLICATION_JSON)
			.header(HttpHeaders.CACHE_CONTROL, "no-store")
			.bodyValue(this.json.writeValueAsBytes(body));
	}

}
