package dev.channels.gateway.channel;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Replaces the values of secret fields in a body preview: in JSON, the value of every
 * object member with a secret name, at any depth, becomes {@code "[REDACTED]"}; in an
 * {@code application/x-www-form-urlencoded} body, the value of every secret field. Names
 * match case-insensitively.
 * <p>
 * A preview is the first bytes of a body, so it may end anywhere: the scan goes as far as
 * the preview does, and a secret value that the preview cuts off is redacted to its end.
 * Everything else stays byte for byte; the body's hash and size (which prove what was
 * sent) are not touched here.
 */
final class BodyFields {

	private static final byte[] REDACTED_JSON = ("\"" + Redaction.REDACTED + "\"").getBytes(StandardCharsets.UTF_8);

	private final Set<String> names;

	/**
	 * @param names the secret field names, lower case
	 */
	BodyFields(Set<String> names) {
		this.names = names;
	}

	/**
	 * The preview with secret values replaced, and how many values of each field were.
	 * @param contentType the body's {@code Content-Type}, or {@code null}
	 */
	Redaction.RedactedBody redact(String contentType, byte[] preview) {
		if (this.names.isEmpty() || preview.length == 0 || contentType == null) {
			return new Redaction.RedactedBody(preview, Map.of());
		}
		String type = contentType.toLowerCase(Locale.ROOT);
		if (type.contains("json")) {
			return new Json(preview).redact();
		}
		if (type.startsWith("application/x-www-form-urlencoded")) {
			return form(preview);
		}
		return new Redaction.RedactedBody(preview, Map.of());
	}

	private boolean isSecret(String name) {
		return this.names.contains(name.toLowerCase(Locale.ROOT));
	}

	// The same pairs as a query string. Read one character per byte (ISO-8859-1), so that
	// the bytes come back unchanged, even a multi-byte character the preview cut in two;
	// names are read as UTF-8 to compare them.
	private Redaction.RedactedBody form(byte[] preview) {
		Map<String, Integer> counts = new TreeMap<>();
		String redacted = Redaction.urlEncodedPairs(new String(preview, StandardCharsets.ISO_8859_1), this.names,
				(rawName) -> Redaction
					.decodedName(new String(rawName.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8)),
				counts);
		return new Redaction.RedactedBody(redacted.getBytes(StandardCharsets.ISO_8859_1), counts);
	}

	/**
	 * One pass over a JSON preview. Structural characters are ASCII, so the bytes are
	 * scanned as they are; names are decoded to compare them.
	 */
	private final class Json {

		private final byte[] in;

		private final ByteArrayOutputStream out;

		private final Map<String, Integer> counts = new TreeMap<>();

		// Where the bytes not copied yet begin.
		private int copied;

		Json(byte[] in) {
			this.in = in;
			this.out = new ByteArrayOutputStream(in.length);
		}

		Redaction.RedactedBody redact() {
			int i = 0;
			while (i < this.in.length) {
				byte b = this.in[i];
				if (b != '"') {
					i++;
					continue;
				}
				int end = stringEnd(i);
				if (end >= this.in.length) {
					break;
				}
				int colon = skipWhitespace(end + 1);
				if (colon < this.in.length && this.in[colon] == ':' && isSecret(name(i + 1, end))) {
					int valueStart = skipWhitespace(colon + 1);
					int valueEnd = valueEnd(valueStart);
					this.out.write(this.in, this.copied, valueStart - this.copied);
					this.out.writeBytes(REDACTED_JSON);
					this.copied = valueEnd;
					this.counts.merge(name(i + 1, end).toLowerCase(Locale.ROOT), 1, Integer::sum);
					i = valueEnd;
				}
				else {
					i = end + 1;
				}
			}
			if (this.counts.isEmpty()) {
				return new Redaction.RedactedBody(this.in, Map.of());
			}
			this.out.write(this.in, this.copied, this.in.length - this.copied);
			return new Redaction.RedactedBody(this.out.toByteArray(), this.counts);
		}

		// The index of the quote that closes the string opening at `quote`, or the end of
		// the preview.
		private int stringEnd(int quote) {
			int i = quote + 1;
			while (i < this.in.length) {
				if (this.in[i] == '\\') {
					i += 2;
				}
				else if (this.in[i] == '"') {
					return i;
				}
				else {
					i++;
				}
			}
			return this.in.length;
		}

		// Where the value starting at `start` ends (exclusive), or the end of the
		// preview.
		private int valueEnd(int start) {
			if (start >= this.in.length) {
				return this.in.length;
			}
			byte first = this.in[start];
			if (first == '"') {
				return Math.min(this.in.length, stringEnd(start) + 1);
			}
			if (first == '{' || first == '[') {
				int depth = 0;
				int i = start;
				while (i < this.in.length) {
					byte b = this.in[i];
					if (b == '"') {
						i = stringEnd(i) + 1;
						continue;
					}
					if (b == '{' || b == '[') {
						depth++;
					}
					else if (b == '}' || b == ']') {
						depth--;
						if (depth == 0) {
							return i + 1;
						}
					}
					i++;
				}
				return this.in.length;
			}
			int i = start;
			while (i < this.in.length && this.in[i] != ',' && this.in[i] != '}' && this.in[i] != ']'
					&& !Character.isWhitespace(this.in[i])) {
				i++;
			}
			return i;
		}

		private int skipWhitespace(int from) {
			int i = from;
			while (i < this.in.length && Character.isWhitespace(this.in[i])) {
				i++;
			}
			return i;
		}

		// The decoded text of the string between from and to.
		private String name(int from, int to) {
			String raw = new String(this.in, from, to - from, StandardCharsets.UTF_8);
			if (raw.indexOf('\\') < 0) {
				return raw;
			}
			StringBuilder name = new StringBuilder(raw.length());
			for (int i = 0; i < raw.length(); i++) {
				char c = raw.charAt(i);
				if (c != '\\' || i + 1 >= raw.length()) {
					name.append(c);
					continue;
				}
				char escaped = raw.charAt(++i);
				if (escaped == 'u' && i + 4 < raw.length()) {
					try {
						name.append((char) Integer.parseInt(raw.substring(i + 1, i + 5), 16));
						i += 4;
					}
					catch (NumberFormatException ex) {
						name.append(escaped);
					}
				}
				else {
					name.append(switch (escaped) {
						case 'n' -> '\n';
						case 't' -> '\t';
						case 'r' -> '\r';
						case 'b' -> '\b';
						case 'f' -> '\f';
						default -> escaped;
					});
				}
			}
			return name.toString();
		}

	}

}
