package dev.channels.gateway.observer;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import dev.channels.gateway.support.TestBodies;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;

import static org.assertj.core.api.Assertions.assertThat;

class BodyTapTests {

	private final DefaultDataBufferFactory buffers = new DefaultDataBufferFactory();

	@Test
	void previewStopsAtItsLimitAcrossBuffersWhileTheDigestCoversEverything() {
		byte[] body = TestBodies.bytes(10_000);
		BodyTap tap = new BodyTap(4096);

		for (int offset = 0; offset < body.length; offset += 3000) {
			tap.update(this.buffers.wrap(Arrays.copyOfRange(body, offset, Math.min(body.length, offset + 3000))));
		}

		BodySummary summary = tap.summary();
		assertThat(summary.size()).isEqualTo(10_000);
		assertThat(summary.sha256()).isEqualTo(TestBodies.sha256(body));
		assertThat(summary.preview()).isEqualTo(Arrays.copyOf(body, 4096));
		assertThat(summary.truncated()).isTrue();
	}

	@Test
	void tappingLeavesTheBufferUnread() {
		DataBuffer buffer = this.buffers.wrap(TestBodies.bytes(100));
		BodyTap tap = new BodyTap(10);

		tap.update(buffer);

		assertThat(buffer.readPosition()).isZero();
		assertThat(buffer.readableByteCount()).isEqualTo(100);
	}

	@Test
	void emptyBodyHasTheDigestOfNothing() {
		BodySummary summary = new BodyTap(64).summary();

		assertThat(summary.size()).isZero();
		assertThat(summary.sha256()).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
		assertThat(summary.preview()).isEmpty();
		assertThat(summary.truncated()).isFalse();
	}

	@Test
	void zeroLimitKeepsNoPreview() {
		BodyTap tap = new BodyTap(0);

		tap.update(this.buffers.wrap(TestBodies.bytes(5)));

		BodySummary summary = tap.summary();
		assertThat(summary.preview()).isEmpty();
		assertThat(summary.size()).isEqualTo(5);
		assertThat(summary.sha256()).isEqualTo(TestBodies.sha256(TestBodies.bytes(5)));
	}

}
