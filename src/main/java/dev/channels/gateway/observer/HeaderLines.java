package dev.channels.gateway.observer;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.springframework.http.HttpHeaders;

/**
 * Turns headers into {@link Header} lists in arrival order.
 * <p>
 * Spring's {@link HttpHeaders} groups values by name, which loses the order of repeated
 * names; Netty's own headers keep the order of the wire, so they are preferred.
 */
final class HeaderLines {

	private HeaderLines() {
	}

	static List<Header> of(io.netty.handler.codec.http.HttpHeaders headers) {
		List<Header> lines = new ArrayList<>(headers.size());
		Iterator<Map.Entry<String, String>> iterator = headers.iteratorAsString();
		while (iterator.hasNext()) {
			Map.Entry<String, String> entry = iterator.next();
			lines.add(new Header(entry.getKey(), entry.getValue()));
		}
		return List.copyOf(lines);
	}

	static List<Header> of(HttpHeaders headers) {
		List<Header> lines = new ArrayList<>();
		headers.forEach((name, values) -> values.forEach((value) -> lines.add(new Header(name, value))));
		return List.copyOf(lines);
	}

}
