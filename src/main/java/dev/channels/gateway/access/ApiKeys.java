package dev.channels.gateway.access;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.channels.gateway.observer.Sha256;

/**
 * The API keys a channel accepts, by the SHA-256 of each key: the keys themselves are
 * never configured, stored or logged.
 */
final class ApiKeys {

	/** The header that carries a client's key. */
	static final String HEADER = "X-API-Key";

	private final List<Key> keys;

	private ApiKeys(List<Key> keys) {
		this.keys = keys;
	}

	/**
	 * @param keys the key ids with the SHA-256 of each key
	 */
	static ApiKeys of(List<Key> keys) {
		return new ApiKeys(List.copyOf(keys));
	}

	boolean isEmpty() {
		return this.keys.isEmpty();
	}

	/**
	 * The id of the key presented, or {@code null} when it is none of them. Every
	 * configured hash is compared, each in constant time, so how long it takes says
	 * nothing about which key came close.
	 */
	@Nullable String idOf(String presented) {
		byte[] hash = Sha256.of(presented.getBytes(StandardCharsets.UTF_8));
		String match = null;
		for (Key key : this.keys) {
			if (MessageDigest.isEqual(hash, key.sha256()) && match == null) {
				match = key.id();
			}
		}
		return match;
	}

	/**
	 * One accepted key.
	 *
	 * @param id the name recorded for requests sent with it
	 * @param sha256 the SHA-256 of the key
	 */
	record Key(String id, byte[] sha256) {

		static Key of(String id, String sha256Hex) {
			if (!sha256Hex.matches("[0-9a-fA-F]{64}")) {
				throw new IllegalArgumentException(
						"api key '" + id + "': sha256 must be the 64 hex digits of the key's SHA-256");
			}
			return new Key(id, HexFormat.of().parseHex(sha256Hex));
		}

	}

}
