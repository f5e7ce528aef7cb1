package dev.channels.gateway.observer;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256, the hash of every body and of every channel snapshot.
 */
public final class Sha256 {

	// Never updated: only cloned.
	private static final MessageDigest PROTOTYPE = lookUp();

	private Sha256() {
	}

	/**
	 * A fresh digest. Two are taken per exchange: cloning the prototype skips the
	 * provider look-up of {@link MessageDigest#getInstance(String)}.
	 */
	public static MessageDigest newDigest() {
		try {
			return (MessageDigest) PROTOTYPE.clone();
		}
		catch (CloneNotSupportedException ex) {
			throw new IllegalStateException("The SHA-256 digest of the JDK's providers can be cloned", ex);
		}
	}

	/** The hash of the given bytes. */
	public static byte[] of(byte[] bytes) {
		return newDigest().digest(bytes);
	}

	private static MessageDigest lookUp() {
		try {
			return MessageDigest.getInstance("SHA-256");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("Every Java platform provides SHA-256", ex);
		}
	}

}
