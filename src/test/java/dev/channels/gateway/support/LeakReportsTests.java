package dev.channels.gateway.support;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The leak check that guards every test class must itself catch a leak.
 */
class LeakReportsTests {

	@Test
	void aBufferNeverReleasedIsReported() {
		leakOneBuffer();

		assertThat(LeakReports.collect()).isNotEmpty().allSatisfy((report) -> assertThat(report).contains("LEAK"));
	}

	@Test
	void releasedBuffersAreNotReported() {
		LeakReports.collect();
		ByteBuf buffer = PooledByteBufAllocator.DEFAULT.directBuffer(64);
		buffer.writeLong(42);
		buffer.release();

		assertThat(LeakReports.collect()).isEmpty();
	}

	private static void leakOneBuffer() {
		ByteBuf buffer = PooledByteBufAllocator.DEFAULT.directBuffer(64);
		buffer.writeLong(42);
		// dropped without release
	}

}
