package dev.channels.gateway.recording;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import dev.channels.gateway.observer.Header;

/**
 * Replaces the values of secret headers before they are stored. Only the stored copy is
 * redacted: the headers forwarded to the sink and returned to the client stay real.
 */
final class HeaderRedactor {

	static final String REDACTED = "[REDACTED]";

	private final Set<String> redactedNames;

	HeaderRedactor(Collection<String> redactedNames) {
		this.redactedNames = redactedNames.stream()
			.map((name) -> name.strip().toLowerCase(Locale.ROOT))
			.collect(Collectors.toUnmodifiableSet());
	}

	List<Header> redact(List<Header> headers) {
		List<Header> redacted = new ArrayList<>(headers.size());
		for (Header header : headers) {
			boolean secret = this.redactedNames.contains(header.name().toLowerCase(Locale.ROOT));
			redacted.add(secret ? new Header(header.name(), REDACTED) : header);
		}
		return redacted;
	}

}
