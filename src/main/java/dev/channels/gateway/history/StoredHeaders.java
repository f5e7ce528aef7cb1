package dev.channels.gateway.history;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Headers as the history API shows them, from the JSON that recording stores in
 * {@code request_headers} and {@code response_headers}: {@code [[name, value], ...]} in
 * arrival order, where a pair holding a NUL (which {@code jsonb} cannot store) is
 * {@code [base64(name), base64(value), "base64"]}, Base64 of the ISO-8859-1 bytes.
 * <p>
 * Each pair becomes {@code {"name", "value", "encoding"}} with {@code encoding}
 * {@code text} or {@code base64}: nothing is decoded or replaced, so what is shown is
 * what was stored. After retention wiped an event, each value is {@code null} (names
 * kept, and a Base64 pair keeps its encoding).
 */
final class StoredHeaders {

	static final String TEXT = "text";

	private StoredHeaders() {
	}

	/**
	 * @param stored the column as JSON text, or null when the event has no headers
	 * @return the pairs, or null when nothing was stored
	 */
	static @Nullable List<Map<String, Object>> render(@Nullable String stored, JsonMapper json) {
		if (stored == null) {
			return null;
		}
		List<Map<String, Object>> headers = new ArrayList<>();
		for (JsonNode pair : json.readTree(stored)) {
			Map<String, Object> header = new LinkedHashMap<>();
			header.put("name", string(pair.get(0)));
			header.put("value", string(pair.get(1)));
			boolean base64 = pair.size() > 2 && "base64".equals(pair.get(2).stringValue(null));
			header.put("encoding", base64 ? Preview.BASE64 : TEXT);
			headers.add(header);
		}
		return headers;
	}

	private static @Nullable String string(@Nullable JsonNode node) {
		return (node == null || node.isNull()) ? null : node.asString();
	}

}
