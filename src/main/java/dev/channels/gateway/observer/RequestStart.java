package dev.channels.gateway.observer;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import org.springframework.cloud.gateway.route.Route;

/**
 * The client's request as it arrived, before any route filter changed it.
 *
 * @param id the exchange id, time-ordered; sent to the sink and the client as
 * {@code X-Channel-Request-Id}
 * @param route the route that matched: the channel
 * @param method the request method
 * @param path the raw path the client called
 * @param query the raw query string, {@code null} when the target had no {@code ?}
 * @param headers the request headers in arrival order
 * @param clientIdentity the peer address, or when the peer is a trusted proxy the address
 * it forwards for ({@link ClientIdentity})
 * @param startedAt wall-clock time of arrival
 * @param clientPrincipal who the channel authenticated the client as, from the exchange
 * attribute {@link ObservingFilter#CLIENT_PRINCIPAL_ATTR}; {@code null} on a channel that
 * admits anyone
 */
public record RequestStart(UUID id, Route route, String method, String path, @Nullable String query,
		List<Header> headers, @Nullable String clientIdentity, Instant startedAt, @Nullable String clientPrincipal) {

	/** The channel's id: the id of its route. */
	public String channelId() {
		return this.route.getId();
	}

}
