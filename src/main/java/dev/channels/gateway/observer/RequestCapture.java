package dev.channels.gateway.observer;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;
import reactor.netty.http.server.HttpServerRequest;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;

/**
 * Captures the client's request as it arrived: the raw request target and the headers in
 * wire order come from the Netty request underneath Spring's, which route filters cannot
 * change.
 */
final class RequestCapture {

	private RequestCapture() {
	}

	/**
	 * Captures the request.
	 * @param request Spring's request
	 * @param nativeRequest the server's own request underneath, from
	 * {@link #nativeRequest}
	 * @param trustedProxy whether an address is a trusted proxy, for the client's
	 * identity
	 * @param clientPrincipal who the channel authenticated the client as, if it did
	 */
	static RequestStart capture(ServerHttpRequest request, @Nullable Object nativeRequest, UUID id, Route route,
			Instant startedAt, Predicate<String> trustedProxy, @Nullable String clientPrincipal) {
		String target;
		List<Header> headers;
		if (nativeRequest instanceof HttpServerRequest netty) {
			target = netty.uri();
			headers = HeaderLines.of(netty.requestHeaders());
		}
		else {
			target = request.getURI().getRawPath()
					+ ((request.getURI().getRawQuery() != null) ? "?" + request.getURI().getRawQuery() : "");
			headers = HeaderLines.of(request.getHeaders());
		}
		target = originForm(target);
		int question = target.indexOf('?');
		String path = (question >= 0) ? target.substring(0, question) : target;
		String query = (question >= 0) ? target.substring(question + 1) : null;
		return new RequestStart(id, route, request.getMethod().name(), path, query, headers,
				ClientIdentity.of(peer(request, nativeRequest), headers, trustedProxy), startedAt, clientPrincipal);
	}

	// A request target in absolute form (GET http://host/path HTTP/1.1) names the path
	// after the authority.
	private static String originForm(String target) {
		int scheme = target.indexOf("://");
		if (target.startsWith("/") || scheme < 0) {
			return target;
		}
		int path = target.indexOf('/', scheme + 3);
		int query = target.indexOf('?', scheme + 3);
		if (path < 0 || (query >= 0 && query < path)) {
			return "/" + ((query >= 0) ? target.substring(query) : "");
		}
		return target.substring(path);
	}

	static @Nullable Object nativeRequest(ServerHttpRequest request) {
		try {
			return ServerHttpRequestDecorator.getNativeRequest(request);
		}
		catch (IllegalArgumentException | IllegalStateException ex) {
			// Not a server request (a mock in tests): fall back to Spring's view.
			return null;
		}
	}

	// The connection's own peer: with trusted proxies set, Spring Cloud Gateway has the
	// server replace the request's remote address with a forwarded one.
	private static @Nullable String peer(ServerHttpRequest request, @Nullable Object nativeRequest) {
		SocketAddress address = (nativeRequest instanceof HttpServerRequest netty) ? netty.connectionRemoteAddress()
				: request.getRemoteAddress();
		if (!(address instanceof InetSocketAddress peer)) {
			return null;
		}
		return (peer.getAddress() != null) ? peer.getAddress().getHostAddress() : peer.getHostString();
	}

}
