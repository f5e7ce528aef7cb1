package dev.channels.gateway.support;

import java.util.List;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reported a leaked buffer while it ran (surefire runs with
 * {@code -Dio.netty.leakDetection.level=paranoid}, so every buffer is tracked).
 * Registered for every test class through {@code META-INF/services} and extension
 * auto-detection.
 */
public class LeakDetectionExtension implements AfterAllCallback {

	@Override
	public void afterAll(ExtensionContext context) {
		List<String> leaks = LeakReports.collect();
		if (!leaks.isEmpty()) {
			throw new AssertionError("Netty reported " + leaks.size() + " leaked buffer(s) during "
					+ context.getDisplayName() + ":\n" + String.join("\n\n", leaks));
		}
	}

}
