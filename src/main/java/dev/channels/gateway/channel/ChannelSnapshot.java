package dev.channels.gateway.channel;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import org.jspecify.annotations.Nullable;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

import dev.channels.gateway.observer.Sha256;

import org.springframework.cloud.gateway.filter.FilterDefinition;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.cloud.gateway.support.NameUtils;

/**
 * One definition of a channel, as stored in {@code channel_snapshots}: its id, sink URI,
 * order, predicates, filters (the gateway's default filters too) and metadata, with
 * secrets redacted. Predicates and filters come from the route's definition, as the user
 * wrote them; a route built in Java has none, and its snapshot says so with nulls rather
 * than with descriptions that could hold secrets.
 *
 * @param id derived from the content hash, so that every replica names the same row
 * @param channelId the route id
 * @param configHash SHA-256 of {@code definition}, hex
 * @param definition canonical JSON: keys sorted, so that equal definitions hash equal
 */
public record ChannelSnapshot(UUID id, String channelId, String configHash, byte[] definition) {

	private static final JsonMapper CANONICAL = JsonMapper.builder()
		.enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
		.build();

	/**
	 * The snapshot of a route as it is in force.
	 * @param definition the route's definition, or {@code null} for a route built in Java
	 * @param defaultFilters the filters the gateway applies to every route
	 * @param redaction the channel's redaction: secret header values in filter and
	 * predicate arguments, credentials and secret query parameters in URIs
	 */
	public static ChannelSnapshot of(Route route, @Nullable RouteDefinition definition,
			List<FilterDefinition> defaultFilters, Redaction redaction) {
		Map<String, @Nullable Object> content = new LinkedHashMap<>();
		content.put("id", route.getId());
		content.put("uri", redaction.uri(route.getUri().toString()));
		content.put("order", route.getOrder());
		content.put("predicates",
				(definition != null) ? definition.getPredicates()
					.stream()
					.map((predicate) -> step(predicate.getName(), predicate.getArgs(), redaction))
					.toList() : null);
		content.put("filters", (definition != null) ? filters(definition.getFilters(), redaction) : null);
		content.put("default-filters", filters(defaultFilters, redaction));
		content.put("metadata", plain(route.getMetadata()));
		byte[] json = CANONICAL.writeValueAsBytes(content);
		byte[] hash = Sha256.of(json);
		return new ChannelSnapshot(UUID.nameUUIDFromBytes(hash), route.getId(), HexFormat.of().formatHex(hash), json);
	}

	private static List<Object> filters(List<FilterDefinition> filters, Redaction redaction) {
		return filters.stream().map((filter) -> step(filter.getName(), filter.getArgs(), redaction)).toList();
	}

	// As written: a step configured in shortcut form (Path=/channels/x/**, whose
	// arguments
	// the gateway keys _genkey_0, _genkey_1, ...) is stored in that form; one with named
	// arguments as its name and arguments. A filter or predicate that names a secret
	// header (SetRequestHeader=Authorization, ..., Header=X-Api-Key, ...) has its other
	// arguments redacted: they are the secret's value.
	private static Object step(String name, Map<String, String> args, Redaction redaction) {
		boolean namesSecretHeader = args.values().stream().anyMatch(redaction::isSecretHeader);
		Map<String, String> redacted = new TreeMap<>();
		args.forEach((key, value) -> {
			boolean keep = !namesSecretHeader || redaction.isSecretHeader(value);
			redacted.put(key, keep ? redaction.uri(value) : Redaction.REDACTED);
		});
		List<String> shortcut = shortcutArguments(redacted);
		if (shortcut == null) {
			return Map.of("name", name, "args", redacted);
		}
		return shortcut.isEmpty() ? name : name + "=" + String.join(",", shortcut);
	}

	// The arguments in order, when they are the gateway's generated keys of a shortcut
	// and none holds the comma that would make the shortcut mean something else.
	private static @Nullable List<String> shortcutArguments(Map<String, String> args) {
		List<String> values = new ArrayList<>(args.size());
		for (int i = 0; i < args.size(); i++) {
			String value = args.get(NameUtils.generateName(i));
			if (value == null || value.contains(",")) {
				return null;
			}
			values.add(value);
		}
		return values;
	}

	// Metadata as JSON can hold it, whatever objects a route built in Java put there.
	private static final Set<String> CREDENTIAL_KEYS = Set.of("password", "sha256", "bearer", "token", "secret",
			"client-secret", "api-key", "key");

	private static @Nullable Object plain(@Nullable Object value) {
		if (value == null || value instanceof String || value instanceof Number || value instanceof Boolean) {
			return value;
		}
		if (value instanceof Map<?, ?> map && Metadata.isList(map)) {
			// A YAML list, as the configuration binder leaves it (keyed "0", "1", ...).
			return plain(Metadata.items("metadata", map));
		}
		if (value instanceof Map<?, ?> map) {
			Map<String, @Nullable Object> sorted = new TreeMap<>();
			map.forEach((key, item) -> sorted.put(String.valueOf(key),
					isCredential(String.valueOf(key)) && item != null ? Redaction.REDACTED : plain(item)));
			return sorted;
		}
		if (value instanceof Collection<?> collection) {
			List<@Nullable Object> items = new ArrayList<>();
			collection.forEach((item) -> items.add(plain(item)));
			return items;
		}
		return value.toString();
	}

	// A credential in route metadata (a client key's hash, an encoded password, a
	// destination's token or secret) never reaches a snapshot; the names around it (key
	// ids, usernames, an OAuth2 registration id) stay, so a reader sees who may send and
	// how the sink is called.
	private static boolean isCredential(String key) {
		return CREDENTIAL_KEYS.contains(key.toLowerCase(Locale.ROOT));
	}

}
