package dev.channels.gateway.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The leak check that guards every test class must itself catch a leak. Reports of any
 * other leak that surface here fail these tests too, so none is swallowed.
 */
class LeakReportsTests {

	private static final String LEAKING_METHOD = "LeakReportsTests.leakOneBuffer";

	@Test
	void aBufferNeverReleasedIsReported() {
		leakOneBuffer();

		List<String> reports = new ArrayList<>();
		Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> {
			reports.addAll(LeakReports.collect());
			return reports.stream().anyMatch((report) -> report.contains(LEAKING_METHOD));
		});
		assertThat(reports).allSatisfy((report) -> assertThat(report).contains("LEAK").contains(LEAKING_METHOD));
	}

	@Test
	void releasedBuffersAreNotReported() {
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
