package dev.channels.gateway.recording;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import tools.jackson.databind.json.JsonMapper;

import dev.channels.gateway.observer.Header;

/**
 * The JSON stored in {@code request_headers} and {@code response_headers}:
 * {@code [[name, value], ...]}, which keeps arrival order and repeated names.
 * <p>
 * PostgreSQL's {@code jsonb} refuses the NUL character (the {@code \u0000} escape), so a
 * pair whose name or value holds one is stored as three elements instead:
 * {@code [base64(name), base64(value), "base64"]}, each the Base64 of the ISO-8859-1
 * bytes, which are the bytes of the wire (Netty decodes header bytes as ISO-8859-1).
 * Nothing is replaced or dropped, and the marker keeps the two forms apart. Every other
 * character, control characters included, is stored as itself.
 */
final class HeaderJson {

	/** The third element of a pair stored as Base64. */
	static final String BASE64 = "base64";

	private HeaderJson() {
	}

	static byte[] encode(List<Header> headers, JsonMapper json) {
		String[][] pairs = new String[headers.size()][];
		for (int i = 0; i < pairs.length; i++) {
			Header header = headers.get(i);
			pairs[i] = (hasNul(header.name()) || hasNul(header.value()))
					? new String[] { base64(header.name()), base64(header.value()), BASE64 }
					: new String[] { header.name(), header.value() };
		}
		return json.writeValueAsBytes(pairs);
	}

	private static boolean hasNul(String text) {
		return text.indexOf('\0') >= 0;
	}

	private static String base64(String text) {
		return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.ISO_8859_1));
	}

}
