package dev.channels.gateway.observer;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

import org.springframework.core.io.buffer.DataBuffer;

/**
 * Watches the buffers of one body as they pass: feeds each to an incremental SHA-256 and
 * copies the first bytes into a bounded preview. Memory stays constant whatever the body
 * size: the digest state plus at most {@code previewLimit} bytes.
 * <p>
 * The tap reads buffers without owning them: it never retains, releases or moves the read
 * position of a buffer it is shown. Buffers of one body arrive one at a time (Reactive
 * Streams serialises {@code onNext}), but the summary is taken from another thread, so
 * the methods synchronise; they are never contended.
 * <p>
 * Taking the {@link #summary() summary} freezes the tap: what arrives later (a write
 * still draining while the exchange is being closed) changes neither the summary nor the
 * size and completion that the outcome was decided on.
 */
final class BodyTap {

	private static final int INITIAL_PREVIEW_CAPACITY = 1024;

	private final int previewLimit;

	private MessageDigest digest = Sha256.newDigest();

	private byte[] preview = new byte[0];

	private int previewLength;

	private long size;

	private boolean subscribed;

	private boolean completed;

	private BodySummary summary;

	BodyTap(int previewLimit) {
		this.previewLimit = previewLimit;
	}

	/**
	 * A subscriber started reading the body. A body read again (a retried exchange
	 * re-reads its cached request body) starts the tap afresh, so it summarises one copy.
	 */
	synchronized void subscribed() {
		if (this.summary != null) {
			return;
		}
		if (this.subscribed) {
			this.digest = Sha256.newDigest();
			this.previewLength = 0;
			this.size = 0;
			this.completed = false;
		}
		this.subscribed = true;
	}

	synchronized void update(DataBuffer buffer) {
		if (this.summary != null) {
			return;
		}
		try (DataBuffer.ByteBufferIterator iterator = buffer.readableByteBuffers()) {
			while (iterator.hasNext()) {
				ByteBuffer chunk = iterator.next();
				this.size += chunk.remaining();
				copyToPreview(chunk.duplicate());
				this.digest.update(chunk);
			}
		}
	}

	/** The body's publisher signalled completion: every byte of the body was seen. */
	synchronized void completed() {
		if (this.summary == null) {
			this.completed = true;
		}
	}

	synchronized boolean wasSubscribed() {
		return this.subscribed;
	}

	synchronized boolean isCompleted() {
		return this.completed;
	}

	synchronized long size() {
		return this.size;
	}

	/**
	 * Summarises the body and freezes the tap. Later calls return the same summary.
	 */
	synchronized BodySummary summary() {
		if (this.summary == null) {
			String sha256 = HexFormat.of().formatHex(this.digest.digest());
			this.summary = new BodySummary(this.size, sha256, Arrays.copyOf(this.preview, this.previewLength));
		}
		return this.summary;
	}

	private void copyToPreview(ByteBuffer chunk) {
		int room = this.previewLimit - this.previewLength;
		if (room <= 0) {
			return;
		}
		int count = Math.min(room, chunk.remaining());
		ensurePreviewCapacity(this.previewLength + count);
		chunk.get(this.preview, this.previewLength, count);
		this.previewLength += count;
	}

	// The preview grows with the body up to its limit, so small bodies cost small arrays.
	private void ensurePreviewCapacity(int needed) {
		if (needed <= this.preview.length) {
			return;
		}
		int capacity = Math.max(needed, Math.max(INITIAL_PREVIEW_CAPACITY, this.preview.length * 2));
		this.preview = Arrays.copyOf(this.preview, Math.min(capacity, this.previewLimit));
	}

}
