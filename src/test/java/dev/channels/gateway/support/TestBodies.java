package dev.channels.gateway.support;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Deterministic bodies of any size, and an independent SHA-256 to check recorded hashes.
 */
public final class TestBodies {

	private TestBodies() {
	}

	/**
	 * Byte {@code index} of the pattern body: not periodic within a buffer, so misplaced
	 * chunks show.
	 */
	public static byte at(long index) {
		return (byte) ((index * 131 + (index >>> 13)) & 0xff);
	}

	public static byte[] bytes(long offset, int length) {
		byte[] bytes = new byte[length];
		for (int i = 0; i < length; i++) {
			bytes[i] = at(offset + i);
		}
		return bytes;
	}

	public static byte[] bytes(int length) {
		return bytes(0, length);
	}

	public static String sha256(byte[] bytes) {
		return HexFormat.of().formatHex(digest().digest(bytes));
	}

	public static MessageDigest digest() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
