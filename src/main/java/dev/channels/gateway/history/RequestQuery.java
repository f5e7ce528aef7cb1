package dev.channels.gateway.history;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * What the request list asks for: filters (each optional), a page size and where the
 * previous page ended.
 *
 * @param channel only this channel
 * @param state only requests in this state
 * @param status only requests whose sink answered this status
 * @param from only requests that started at or after this instant
 * @param to only requests that started before this instant
 * @param clientAuth only requests whose client authenticated as this
 * ({@code api-key:partner-a}, {@code basic:partner-b}, {@code jwt:<sub>})
 * @param limit the most rows on the page
 * @param after the end of the previous page; null for the first page
 */
record RequestQuery(@Nullable String channel, @Nullable String state, @Nullable Integer status, @Nullable Instant from,
		@Nullable Instant to, @Nullable String clientAuth, int limit, @Nullable Cursor after) {

	static final int DEFAULT_LIMIT = 50;

	static final int MAX_LIMIT = 500;

	/**
	 * @throws InvalidParameterException naming the first parameter that is not valid
	 */
	static RequestQuery of(Parameters parameters) {
		String channel = parameters.text("channel").orElse(null);
		String state = parameters.state("state").orElse(null);
		Integer status = parameters.integer("status", 100, 599).orElse(null);
		Instant from = parameters.instant("from").orElse(null);
		Instant to = parameters.instant("to").orElse(null);
		if (from != null && to != null && !to.isAfter(from)) {
			throw new InvalidParameterException("to", "must be after from");
		}
		String clientAuth = parameters.text("client_auth").orElse(null);
		int limit = parameters.integer("limit", 1, MAX_LIMIT).orElse(DEFAULT_LIMIT);
		Cursor after = parameters.text("cursor").map(Cursor::decode).orElse(null);
		return new RequestQuery(channel, state, status, from, to, clientAuth, limit, after);
	}

}
