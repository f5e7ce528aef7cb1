package dev.channels.gateway.observer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;

/**
 * Who sent a request: the peer's address, unless the peer is a trusted proxy. Then it is
 * the first address in {@code X-Forwarded-For}, counted from the right (the entry the
 * trusted peer appended), that is not itself a trusted proxy: entries further left were
 * written by whoever sent them, and only the hops a trusted proxy vouches for are
 * believed.
 * <p>
 * Trusted proxies are Spring Cloud Gateway's own setting,
 * {@code spring.cloud.gateway.server.webflux.trusted-proxies}, which also decides whether
 * the gateway sends {@code X-Forwarded-*} headers to the sink: one setting for what the
 * sink is told and what is recorded.
 */
final class ClientIdentity {

	private static final String FORWARDED_FOR = "X-Forwarded-For";

	private ClientIdentity() {
	}

	/**
	 * @param peer the address the connection came from, or {@code null} when unknown
	 * @param headers the request's headers in arrival order
	 * @param trustedProxy whether an address is a trusted proxy
	 */
	static @Nullable String of(@Nullable String peer, List<Header> headers, Predicate<String> trustedProxy) {
		if (peer == null || !trustedProxy.test(peer)) {
			return peer;
		}
		List<String> forwardedFor = new ArrayList<>();
		for (Header header : headers) {
			if (header.name().equalsIgnoreCase(FORWARDED_FOR)) {
				for (String entry : header.value().split(",")) {
					if (!entry.isBlank()) {
						forwardedFor.add(entry.strip());
					}
				}
			}
		}
		for (int i = forwardedFor.size() - 1; i >= 0; i--) {
			if (!trustedProxy.test(forwardedFor.get(i))) {
				return forwardedFor.get(i);
			}
		}
		// Trusted all the way: the furthest hop known.
		return forwardedFor.isEmpty() ? peer : forwardedFor.get(0);
	}

}
