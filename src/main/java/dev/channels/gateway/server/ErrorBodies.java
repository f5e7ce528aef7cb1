package dev.channels.gateway.server;

import java.util.Map;

import dev.channels.gateway.observer.ObservingFilter;

import org.springframework.boot.web.error.ErrorAttributeOptions;
import org.springframework.boot.webflux.error.DefaultErrorAttributes;
import org.springframework.web.reactive.function.server.ServerRequest;

/**
 * The gateway's own error answers (a sink that refuses: 502, too slow: 504) name the
 * exchange by the id of its record, the one {@code X-Channel-Request-Id} carries, instead
 * of the server's internal request id: the id in the body is the id to look up.
 */
class ErrorBodies extends DefaultErrorAttributes {

	@Override
	public Map<String, Object> getErrorAttributes(ServerRequest request, ErrorAttributeOptions options) {
		Map<String, Object> attributes = super.getErrorAttributes(request, options);
		request.attribute(ObservingFilter.REQUEST_ID_ATTR)
			.ifPresent((id) -> attributes.put("requestId", id.toString()));
		return attributes;
	}

}
