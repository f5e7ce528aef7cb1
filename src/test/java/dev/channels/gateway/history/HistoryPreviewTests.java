package dev.channels.gateway.history;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link Preview}: text only for strictly valid UTF-8, Base64 otherwise, and the
 * truncated flag.
 */
class HistoryPreviewTests {

	@Test
	void validUtf8IsText() {
		byte[] bytes = "grüß ✓ 😀".getBytes(StandardCharsets.UTF_8);

		Map<String, Object> body = Preview.body((long) bytes.length, "hash", bytes, null);

		assertThat(body).containsEntry("preview", "grüß ✓ 😀")
			.containsEntry("preview_encoding", "utf-8")
			.containsEntry("preview_bytes", bytes.length)
			.containsEntry("truncated", false)
			.containsEntry("size", (long) bytes.length)
			.containsEntry("sha256", "hash");
	}

	@Test
	void invalidUtf8IsBase64() {
		// a lone continuation byte, an overlong encoding, a surrogate, a byte never valid
		for (byte[] bytes : new byte[][] { { 'a', (byte) 0x80 }, { (byte) 0xc0, (byte) 0xaf },
				{ (byte) 0xed, (byte) 0xa0, (byte) 0x80 }, { (byte) 0xff } }) {
			Map<String, Object> body = Preview.body((long) bytes.length, null, bytes, null);

			assertThat(body.get("preview_encoding")).as(Arrays.toString(bytes)).isEqualTo("base64");
			assertThat(Base64.getDecoder().decode((String) body.get("preview"))).isEqualTo(bytes);
		}
	}

	@Test
	void aWholeBodyEndingInsideACharacterIsNotText() {
		byte[] bytes = { 'a', (byte) 0xc3 };

		assertThat(Preview.text(bytes, false)).isNull();
		assertThat(Preview.body(2L, null, bytes, null).get("preview_encoding")).isEqualTo("base64");
	}

	@Test
	void aTruncatedPreviewCutInsideACharacterIsTextUpToIt() {
		byte[] emoji = "😀".getBytes(StandardCharsets.UTF_8);
		for (int cut = 1; cut < 4; cut++) {
			byte[] bytes = new byte[1 + cut];
			bytes[0] = 'a';
			System.arraycopy(emoji, 0, bytes, 1, cut);

			assertThat(Preview.text(bytes, true)).as("cut after %d bytes", cut).isEqualTo("a");
		}
	}

	@Test
	void aTruncatedPreviewWithInvalidBytesIsNotText() {
		assertThat(Preview.text(new byte[] { 'a', (byte) 0xff, 'b' }, true)).isNull();
		assertThat(Preview.text(new byte[] { 'a', (byte) 0xc3, 'b' }, true)).isNull();
	}

	@Test
	void aBodyLongerThanItsPreviewIsTruncated() {
		assertThat(Preview.body(3L, null, new byte[] { 'a', 'b' }, null)).containsEntry("truncated", true);
		assertThat(Preview.body(2L, null, new byte[] { 'a', 'b' }, null)).containsEntry("truncated", false);
		// A redacted preview shorter or longer than what was received is judged on what
		// was.
		assertThat(Preview.body(30L, null, new byte[] { 'a', 'b' }, 30)).containsEntry("truncated", false);
		assertThat(Preview.body(30L, null, new byte[40], 20)).containsEntry("truncated", true);
		assertThat(Preview.body(0L, null, new byte[0], null)).containsEntry("truncated", false)
			.containsEntry("preview", "")
			.containsEntry("preview_encoding", "utf-8");
	}

	@Test
	void nothingRecordedIsNoBody() {
		assertThat(Preview.body(null, null, null, null)).isNull();
	}

}
