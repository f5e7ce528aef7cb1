package dev.channels.gateway.support;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;

/**
 * Collects the leak reports of Netty's {@code ResourceLeakDetector}, which only logs
 * them. Configured as a Logback appender in {@code logback-test.xml}; read by
 * {@link LeakDetectionExtension}, which fails the tests on any report.
 */
public class LeakReports extends AppenderBase<ILoggingEvent> {

	private static final List<String> reports = new CopyOnWriteArrayList<>();

	@Override
	protected void append(ILoggingEvent event) {
		if (event.getFormattedMessage().contains("LEAK:")) {
			reports.add(event.getFormattedMessage());
		}
	}

	/**
	 * Makes the detector report what the garbage collector has found: leaks are noticed
	 * when a leaked buffer is collected and reported at the next tracked allocation.
	 */
	public static List<String> collect() {
		for (int round = 0; round < 3; round++) {
			System.gc();
			try {
				Thread.sleep(100);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			for (int i = 0; i < 64; i++) {
				ByteBuf pooled = PooledByteBufAllocator.DEFAULT.directBuffer(16);
				pooled.release();
				ByteBuf unpooled = UnpooledByteBufAllocator.DEFAULT.directBuffer(16);
				unpooled.release();
			}
		}
		List<String> found = List.copyOf(reports);
		reports.clear();
		return found;
	}

}
