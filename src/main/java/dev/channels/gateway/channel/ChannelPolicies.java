package dev.channels.gateway.channel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.springframework.cloud.gateway.route.Route;
import org.springframework.util.unit.DataSize;

/**
 * Resolves the {@link ChannelPolicy} of each channel from its route's metadata: <pre>
 * metadata:
 *   preview-size: 4KB                   # 0 turns previews off
 *   redacted-headers: X-Session, X-Sig  # on top of channels.redacted-headers
 *   redacted-query-params: token        # on top of channels.redacted-query-params
 *   redacted-body-fields: pin           # on top of channels.redacted-body-fields
 * </pre> A policy is resolved once per route object ({@link PerRoute}). On a channel that
 * checks its clients' credentials or injects its sink's, the credential headers
 * ({@code Authorization}, {@code X-API-Key}) are redacted whatever the global list says.
 */
public class ChannelPolicies {

	public static final String PREVIEW_SIZE = "preview-size";

	public static final String REDACTED_HEADERS = "redacted-headers";

	public static final String REDACTED_QUERY_PARAMS = "redacted-query-params";

	public static final String REDACTED_BODY_FIELDS = "redacted-body-fields";

	/** The credentials a channel requires of its clients (package {@code access}). */
	public static final String CLIENT_AUTH = "client-auth";

	/** The credentials a channel sends its sink (package {@code access}). */
	public static final String DESTINATION_AUTH = "destination-auth";

	private static final List<String> CREDENTIAL_HEADERS = List.of("Authorization", "X-API-Key");

	private final int defaultPreviewLimit;

	private final Redaction defaultRedaction;

	private final PerRoute<ChannelPolicy> resolved = new PerRoute<>((route) -> of(route.getMetadata()));

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
		return this.resolved.get(route);
	}

	private ChannelPolicy of(Map<String, Object> metadata) {
		Object previewSize = metadata.get(PREVIEW_SIZE);
		int previewLimit = (previewSize != null) ? previewLimit(previewSize) : this.defaultPreviewLimit;
		List<String> headers = new ArrayList<>(Metadata.names(REDACTED_HEADERS, metadata.get(REDACTED_HEADERS)));
		if (metadata.containsKey(CLIENT_AUTH) || metadata.containsKey(DESTINATION_AUTH)) {
			headers.addAll(CREDENTIAL_HEADERS);
		}
		List<String> parameters = Metadata.names(REDACTED_QUERY_PARAMS, metadata.get(REDACTED_QUERY_PARAMS));
		List<String> bodyFields = Metadata.names(REDACTED_BODY_FIELDS, metadata.get(REDACTED_BODY_FIELDS));
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

}
