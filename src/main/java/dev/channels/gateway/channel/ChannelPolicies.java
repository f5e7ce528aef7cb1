package dev.channels.gateway.channel;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.util.unit.DataSize;

/**
 * Resolves the {@link ChannelPolicy} of each channel from its route's metadata: <pre>
 * metadata:
 *   preview-size: 4KB                   # 0 turns previews off
 *   redacted-headers: X-Session, X-Sig  # on top of channels.redacted-headers
 *   redacted-query-params: token        # on top of channels.redacted-query-params
 *   redacted-body-fields: pin           # on top of channels.redacted-body-fields
 * </pre> A policy is resolved once per route object: the gateway builds new ones when its
 * routes are refreshed, so a refresh takes effect with the next request that arrives
 * through it.
 */
public class ChannelPolicies {

	private static final Log logger = LogFactory.getLog(ChannelPolicies.class);

	public static final String PREVIEW_SIZE = "preview-size";

	public static final String REDACTED_HEADERS = "redacted-headers";

	public static final String REDACTED_QUERY_PARAMS = "redacted-query-params";

	public static final String REDACTED_BODY_FIELDS = "redacted-body-fields";

	private final int defaultPreviewLimit;

	private final Redaction defaultRedaction;

	// By channel id, with the route object it was resolved for.
	private final Map<String, Resolved> resolved = new ConcurrentHashMap<>();

	public ChannelPolicies(int defaultPreviewLimit, Redaction defaultRedaction) {
		this.defaultPreviewLimit = defaultPreviewLimit;
		this.defaultRedaction = defaultRedaction;
	}

	/**
	 * The policy of the channel this route defines.
	 * @throws InvalidChannelException when the route's metadata holds an invalid
	 * override: such a channel is not forwarded, rather than recorded with settings it
	 * did not ask for
	 */
	public ChannelPolicy policy(Route route) {
		Resolved known = this.resolved.get(route.getId());
		if (known == null || known.route() != route) {
			known = resolve(route);
			this.resolved.put(route.getId(), known);
		}
		if (known.failure() != null) {
			throw known.failure();
		}
		return known.policy();
	}

	private Resolved resolve(Route route) {
		try {
			return new Resolved(route, of(route.getMetadata()), null);
		}
		catch (IllegalArgumentException ex) {
			InvalidChannelException failure = new InvalidChannelException(route.getId(), ex.getMessage());
			// Once per route object, not once per request.
			logger.error(failure.getMessage());
			return new Resolved(route, null, failure);
		}
	}

	private ChannelPolicy of(Map<String, Object> metadata) {
		Object previewSize = metadata.get(PREVIEW_SIZE);
		int previewLimit = (previewSize != null) ? previewLimit(previewSize) : this.defaultPreviewLimit;
		List<String> headers = names(REDACTED_HEADERS, metadata.get(REDACTED_HEADERS));
		List<String> parameters = names(REDACTED_QUERY_PARAMS, metadata.get(REDACTED_QUERY_PARAMS));
		List<String> bodyFields = names(REDACTED_BODY_FIELDS, metadata.get(REDACTED_BODY_FIELDS));
		Redaction redaction = (headers.isEmpty() && parameters.isEmpty() && bodyFields.isEmpty())
				? this.defaultRedaction : this.defaultRedaction.and(headers, parameters, bodyFields);
		return new ChannelPolicy(previewLimit, redaction);
	}

	private static int previewLimit(Object value) {
		long bytes;
		try {
			bytes = (value instanceof Number number) ? number.longValue() : DataSize.parse(value.toString()).toBytes();
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException(
					PREVIEW_SIZE + " '" + value + "' is not a size (bytes, or a number with KB or MB)");
		}
		if (bytes < 0 || bytes > Integer.MAX_VALUE) {
			throw new IllegalArgumentException(PREVIEW_SIZE + " '" + value + "' is out of range");
		}
		return (int) bytes;
	}

	// A comma-separated string or a YAML list; Boot binds a list inside metadata as a map
	// keyed by index.
	private static List<String> names(String key, @Nullable Object value) {
		if (value == null) {
			return List.of();
		}
		Collection<?> items;
		if (value instanceof Collection<?> collection) {
			items = collection;
		}
		else if (value instanceof Map<?, ?> map) {
			items = map.values();
		}
		else if (value instanceof String text) {
			items = Arrays.asList(text.split(","));
		}
		else {
			throw new IllegalArgumentException(key + " must be a list of names, not '" + value + "'");
		}
		return items.stream().map(String::valueOf).map(String::strip).filter((name) -> !name.isEmpty()).toList();
	}

	private record Resolved(Route route, @Nullable ChannelPolicy policy, @Nullable InvalidChannelException failure) {
	}

}
