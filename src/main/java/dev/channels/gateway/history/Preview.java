package dev.channels.gateway.history;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * A body as the history API shows it: its size and hash, and its stored preview (the
 * first bytes, as relayed) rendered as text when it is valid UTF-8, else as Base64.
 */
final class Preview {

	static final String UTF_8 = "utf-8";

	static final String BASE64 = "base64";

	private Preview() {
	}

	/**
	 * The body's JSON object: {@code size}, {@code sha256}, {@code preview} (text or
	 * Base64; null when none is stored), {@code preview_encoding} ({@code utf-8} or
	 * {@code base64}), {@code preview_bytes} (bytes stored) and {@code truncated}
	 * ({@code size >} the preview's length as received: the preview is not the whole
	 * body); null when nothing about the body was recorded (an error event without a
	 * response).
	 * @param receivedBytes the preview's length as received, when redaction changed it
	 */
	static @Nullable Map<String, Object> body(@Nullable Long size, @Nullable String sha256, byte @Nullable [] preview,
			@Nullable Integer receivedBytes) {
		if (size == null && sha256 == null && preview == null) {
			return null;
		}
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("size", size);
		body.put("sha256", sha256);
		int stored = (preview != null) ? preview.length : 0;
		boolean truncated = size != null && size > ((receivedBytes != null) ? receivedBytes : stored);
		String text = (preview != null) ? text(preview, truncated) : null;
		body.put("preview",
				(preview == null) ? null : (text != null) ? text : Base64.getEncoder().encodeToString(preview));
		body.put("preview_encoding", (preview == null) ? null : (text != null) ? UTF_8 : BASE64);
		body.put("preview_bytes", stored);
		body.put("truncated", truncated);
		return body;
	}

	/**
	 * The preview as text if its bytes are valid UTF-8 (strictly: malformed or unmappable
	 * input is refused, nothing is replaced); else null. A preview that stops short of
	 * the body may end inside a character that the preview limit cut: those last one to
	 * three bytes of an incomplete (but so far valid) sequence are left out of the text.
	 */
	static @Nullable String text(byte[] preview, boolean truncated) {
		CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
			.onMalformedInput(CodingErrorAction.REPORT)
			.onUnmappableCharacter(CodingErrorAction.REPORT);
		ByteBuffer in = ByteBuffer.wrap(preview);
		CharBuffer out = CharBuffer.allocate(preview.length);
		// With endOfInput false, an incomplete sequence at the end is underflow, not an
		// error.
		CoderResult result = decoder.decode(in, out, !truncated);
		if (result.isError()) {
			return null;
		}
		if (!truncated) {
			result = decoder.flush(out);
			if (result.isError()) {
				return null;
			}
		}
		else if (in.remaining() > 3) {
			return null;
		}
		out.flip();
		return out.toString();
	}

}
