package dev.channels.gateway.observer;

/**
 * What passed through one body: its size, its digest and its first bytes.
 *
 * @param size the number of bytes relayed
 * @param sha256 lowercase hex SHA-256 of all bytes relayed
 * @param preview the first bytes, at most the configured preview size
 */
public record BodySummary(long size, String sha256, byte[] preview) {

	/**
	 * Whether the body had more bytes than the preview holds.
	 * @return {@code true} when the preview is a prefix of the body
	 */
	public boolean truncated() {
		return this.size > this.preview.length;
	}

}
