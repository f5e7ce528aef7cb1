package dev.channels.gateway.channel;

import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * Reads values of a route's metadata as the configuration binder leaves them: a YAML list
 * inside metadata arrives as a map keyed by index ({@code "0"}, {@code "1"}), a nested
 * object as a map, a scalar as a string or a number. Each method throws an
 * {@link IllegalArgumentException} that names the key when the value has another shape.
 */
public final class Metadata {

	private Metadata() {
	}

	/** A list: a YAML list, or its index-keyed map; {@code null} is an empty list. */
	public static List<Object> items(String key, @Nullable Object value) {
		if (value == null) {
			return List.of();
		}
		if (value instanceof Collection<?> collection) {
			return List.copyOf(collection);
		}
		if (value instanceof Map<?, ?> map && isList(map)) {
			return map.entrySet()
				.stream()
				.sorted((a, b) -> Integer.compare(Integer.parseInt(String.valueOf(a.getKey())),
						Integer.parseInt(String.valueOf(b.getKey()))))
				.map((entry) -> (Object) entry.getValue())
				.toList();
		}
		throw new IllegalArgumentException(key + " must be a list, not '" + value + "'");
	}

	/** Whether a map is a YAML list as the binder leaves it: keyed by index from 0. */
	static boolean isList(Map<?, ?> map) {
		if (map.isEmpty()) {
			return false;
		}
		for (int i = 0; i < map.size(); i++) {
			if (!map.containsKey(String.valueOf(i))) {
				return false;
			}
		}
		return true;
	}

	/** Names: a comma-separated string or a list of them; {@code null} is none. */
	public static List<String> names(String key, @Nullable Object value) {
		List<?> items;
		try {
			items = (value instanceof String text) ? Arrays.asList(text.split(",")) : items(key, value);
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException(key + " must be a list of names, not '" + value + "'");
		}
		return items.stream().map(String::valueOf).map(String::strip).filter((name) -> !name.isEmpty()).toList();
	}

	/** An object: its members by name. */
	public static Map<String, Object> object(String key, @Nullable Object value) {
		if (!(value instanceof Map<?, ?> map)) {
			throw new IllegalArgumentException(key + " must be an object, not '" + value + "'");
		}
		Map<String, Object> members = new LinkedHashMap<>();
		map.forEach((name, member) -> members.put(String.valueOf(name), member));
		return members;
	}

	/** A text that is present and not blank. */
	public static String text(String key, @Nullable Object value) {
		if (value == null || value instanceof Map<?, ?> || value instanceof Collection<?>
				|| value.toString().isBlank()) {
			throw new IllegalArgumentException(key + " must be a non-empty text");
		}
		return value.toString().strip();
	}

}
