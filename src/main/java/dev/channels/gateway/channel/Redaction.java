package dev.channels.gateway.channel;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;

import dev.channels.gateway.observer.Header;

/**
 * Replaces secrets with {@value #REDACTED} in what is stored: the values of secret
 * headers, the values of secret query parameters, and the user info of URIs. Only the
 * stored copy is redacted: what is forwarded to the sink and returned to the client stays
 * real.
 * <p>
 * Names match case-insensitively: a secret under a name in another case is still a
 * secret.
 */
public final class Redaction {

	/** What a redacted value is stored as. */
	public static final String REDACTED = "[REDACTED]";

	private final Set<String> headerNames;

	private final Set<String> queryParameters;

	private final Set<String> bodyFields;

	private final BodyFields bodies;

	public Redaction(Collection<String> headerNames, Collection<String> queryParameters,
			Collection<String> bodyFields) {
		this.headerNames = lowerCase(headerNames.stream());
		this.queryParameters = lowerCase(queryParameters.stream());
		this.bodyFields = lowerCase(bodyFields.stream());
		this.bodies = new BodyFields(this.bodyFields);
	}

	/** These names redacted too, on top of this redaction's. */
	public Redaction and(Collection<String> moreHeaderNames, Collection<String> moreQueryParameters,
			Collection<String> moreBodyFields) {
		return new Redaction(Stream.concat(this.headerNames.stream(), moreHeaderNames.stream()).toList(),
				Stream.concat(this.queryParameters.stream(), moreQueryParameters.stream()).toList(),
				Stream.concat(this.bodyFields.stream(), moreBodyFields.stream()).toList());
	}

	/**
	 * A body preview with the values of secret fields replaced, in a JSON or form body
	 * ({@link BodyFields}).
	 * @param contentType the body's {@code Content-Type}, or {@code null}
	 */
	public RedactedBody body(@Nullable String contentType, byte[] preview) {
		return this.bodies.redact(contentType, preview);
	}

	public boolean isSecretHeader(String name) {
		return this.headerNames.contains(name.toLowerCase(Locale.ROOT));
	}

	/** The headers in the same order, the values of secret ones replaced. */
	public List<Header> headers(List<Header> headers) {
		List<Header> redacted = new ArrayList<>(headers.size());
		for (Header header : headers) {
			redacted.add(isSecretHeader(header.name()) ? new Header(header.name(), REDACTED) : header);
		}
		return redacted;
	}

	/**
	 * A raw query string with the values of secret parameters replaced; names, order,
	 * separators and every other byte kept as sent.
	 */
	public @Nullable String query(@Nullable String rawQuery) {
		if (rawQuery == null || this.queryParameters.isEmpty()) {
			return rawQuery;
		}
		return urlEncodedPairs(rawQuery, this.queryParameters, Redaction::decodedName, null);
	}

	/**
	 * {@code name=value} pairs joined by {@code &} (a query string, a form body) with the
	 * values of the pairs whose decoded name is secret replaced; every other character
	 * kept.
	 * @param decodedName a pair's name as the sink reads it, lower case
	 * @param counts where to count the values replaced, by decoded name, or {@code null}
	 */
	static String urlEncodedPairs(String raw, Set<String> secretNames, Function<String, String> decodedName,
			@Nullable Map<String, Integer> counts) {
		StringBuilder redacted = new StringBuilder(raw.length());
		int start = 0;
		while (start <= raw.length()) {
			int end = raw.indexOf('&', start);
			if (end < 0) {
				end = raw.length();
			}
			String pair = raw.substring(start, end);
			int equals = pair.indexOf('=');
			String name = (equals >= 0) ? decodedName.apply(pair.substring(0, equals)) : null;
			if (name != null && secretNames.contains(name)) {
				pair = pair.substring(0, equals + 1) + REDACTED;
				if (counts != null) {
					counts.merge(name, 1, Integer::sum);
				}
			}
			redacted.append(pair);
			if (end < raw.length()) {
				redacted.append('&');
			}
			start = end + 1;
		}
		return redacted.toString();
	}

	/**
	 * A URI with its user info (credentials) and the values of secret query parameters
	 * replaced. Works on the text, so that a URI that {@link java.net.URI} would refuse
	 * is redacted as well.
	 */
	public @Nullable String uri(@Nullable String uri) {
		if (uri == null) {
			return null;
		}
		String redacted = uri;
		int scheme = redacted.indexOf("://");
		if (scheme >= 0) {
			int authorityStart = scheme + 3;
			int authorityEnd = firstOf(redacted, authorityStart, "/?#");
			int at = redacted.lastIndexOf('@', authorityEnd - 1);
			if (at >= authorityStart) {
				redacted = redacted.substring(0, authorityStart) + REDACTED + redacted.substring(at);
			}
		}
		int question = redacted.indexOf('?');
		if (question < 0) {
			return redacted;
		}
		int fragment = redacted.indexOf('#', question);
		int queryEnd = (fragment >= 0) ? fragment : redacted.length();
		return redacted.substring(0, question + 1) + query(redacted.substring(question + 1, queryEnd))
				+ redacted.substring(queryEnd);
	}

	private static int firstOf(String text, int from, String characters) {
		for (int i = from; i < text.length(); i++) {
			if (characters.indexOf(text.charAt(i)) >= 0) {
				return i;
			}
		}
		return text.length();
	}

	// token%5Fid and token_id are one name: compare names as the sink will read them.
	static String decodedName(String rawName) {
		try {
			return URLDecoder.decode(rawName, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
		}
		catch (IllegalArgumentException ex) {
			// A malformed escape: the sink sees it raw, so compare it raw.
			return rawName.toLowerCase(Locale.ROOT);
		}
	}

	private static Set<String> lowerCase(Stream<String> names) {
		return names.map((name) -> name.strip().toLowerCase(Locale.ROOT))
			.filter((name) -> !name.isEmpty())
			.collect(Collectors.toUnmodifiableSet());
	}

	/**
	 * A body preview after redaction.
	 *
	 * @param preview the preview as stored
	 * @param fields how many values of each secret field (lower case) were replaced;
	 * empty when the preview is as received
	 */
	public record RedactedBody(byte[] preview, Map<String, Integer> fields) {
	}

}
