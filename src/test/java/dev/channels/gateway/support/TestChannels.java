package dev.channels.gateway.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * The channels (gateway routes) and sinks that the integration tests share, started once
 * per JVM so that every test class can use the same application context.
 * <ul>
 * <li>{@code echo}: the {@link TestSink};</li>
 * <li>{@code slow}: the same sink with a 500 ms response timeout;</li>
 * <li>{@code refused}: a loopback port nothing listens on;</li>
 * <li>{@code unrecordable} and {@code broken-outcome}: the test sink, for tests that make
 * recording fail;</li>
 * <li>{@code dying}: a sink that promises 100000 bytes, sends 1000 and closes;</li>
 * <li>{@code blackhole}: a port whose accept queue is full, with a 300 ms connect
 * timeout;</li>
 * <li>{@code raw}: a {@link RawSink} that answers each request target with the bytes a
 * test registered on {@link #RAW};</li>
 * <li>{@code sluggish}: the test sink, for tests that make recording slow;</li>
 * <li>{@code metered}: the test sink, for tests that read the metrics of one
 * channel;</li>
 * <li>{@code retrying}: the test sink, with the gateway's Retry filter on 503;</li>
 * <li>{@code timing}: a {@link TestSink} of its own ({@link #TIMING_SINK}), that only
 * {@code SinkTimingIntegrationTests} uses, once, so that its first request is on a new
 * connection;</li>
 * <li>{@code discreet}: the test sink, with the per-channel overrides of its metadata:
 * {@value #DISCREET_PREVIEW_BYTES}-byte previews, {@code X-Session} and
 * {@code X-Signature} redacted (a YAML list), and the query parameters {@code token} and
 * {@code sig} (a comma-separated string).</li>
 * </ul>
 * Outcome writes retry fast, leases last {@value #LEASE_SECONDS} seconds and a client may
 * pause {@value #CLIENT_READ_TIMEOUT_MILLIS} ms in a request body, so that tests of
 * retries, of the sweeper and of stalled clients take seconds, not minutes. Each follows
 * the README's convention: {@code Path=/channels/{id}/**} and {@code StripPrefix=2}.
 */
public final class TestChannels {

	/** The most of a body a refused sink never read that the gateway still reads. */
	public static final int UNREAD_BODY_LIMIT_BYTES = 256 * 1024;

	public static final TestSink SINK = TestSink.start();

	/** The sink of the {@code timing} channel, which no connection has reached yet. */
	public static final TestSink TIMING_SINK = TestSink.start();

	public static final int DYING_BODY_BYTES = 1000;

	public static final int LEASE_SECONDS = 3;

	public static final int MAX_RETRIES = 3;

	public static final int CLIENT_READ_TIMEOUT_MILLIS = 1500;

	public static final int DISCREET_PREVIEW_BYTES = 16;

	/** The sink of the {@code raw} channel: register answers by request target. */
	public static final RawSink RAW = rawSink();

	private static final RawSink DYING = dyingSink();

	private static final int REFUSING_PORT = unusedPort();

	private static final Blackhole BLACKHOLE = new Blackhole();

	private TestChannels() {
	}

	public static void register(DynamicPropertyRegistry registry) {
		TestDatabase.get().properties().forEach((name, value) -> registry.add(name, () -> value));
		List<Object[]> routes = new ArrayList<>();
		routes.add(new Object[] { "echo", SINK.url(), Map.of() });
		routes.add(new Object[] { "slow", SINK.url(), Map.of("response-timeout", 500) });
		routes.add(new Object[] { "refused", "http://127.0.0.1:" + REFUSING_PORT, Map.of() });
		routes.add(new Object[] { "unrecordable", SINK.url(), Map.of() });
		routes.add(new Object[] { "broken-outcome", SINK.url(), Map.of() });
		routes.add(new Object[] { "dying", "http://127.0.0.1:" + DYING.port(), Map.of() });
		routes
			.add(new Object[] { "blackhole", "http://127.0.0.1:" + BLACKHOLE.port(), Map.of("connect-timeout", 300) });
		routes.add(new Object[] { "raw", "http://127.0.0.1:" + RAW.port(), Map.of() });
		routes.add(new Object[] { "sluggish", SINK.url(), Map.of() });
		routes.add(new Object[] { "metered", SINK.url(), Map.of() });
		routes.add(new Object[] { "discreet", SINK.url(),
				Map.of("preview-size", DISCREET_PREVIEW_BYTES + "B", "redacted-headers[0]", "X-Session",
						"redacted-headers[1]", "X-Signature", "redacted-query-params", "token, sig") });
		routes.add(new Object[] { "timing", TIMING_SINK.url(), Map.of() });
		routes.add(new Object[] { "retrying", SINK.url(), Map.of() });
		for (int i = 0; i < routes.size(); i++) {
			String prefix = "spring.cloud.gateway.server.webflux.routes[" + i + "].";
			Object[] route = routes.get(i);
			registry.add(prefix + "id", () -> route[0]);
			registry.add(prefix + "uri", () -> route[1]);
			registry.add(prefix + "predicates[0]", () -> "Path=/channels/" + route[0] + "/**");
			registry.add(prefix + "filters[0]", () -> "StripPrefix=2");
			@SuppressWarnings("unchecked")
			Map<String, Object> metadata = (Map<String, Object>) route[2];
			metadata.forEach((key, value) -> registry.add(prefix + "metadata." + key, () -> value));
		}
		String retrying = "spring.cloud.gateway.server.webflux.routes[" + (routes.size() - 1) + "].filters[1].";
		registry.add(retrying + "name", () -> "Retry");
		registry.add(retrying + "args.retries", () -> 2);
		registry.add(retrying + "args.statuses", () -> "SERVICE_UNAVAILABLE");
		registry.add("channels.persistence.retry.first-backoff", () -> "20ms");
		registry.add("channels.persistence.retry.max-backoff", () -> "100ms");
		registry.add("channels.persistence.retry.max-retries", () -> MAX_RETRIES);
		registry.add("channels.instance.lease-duration", () -> LEASE_SECONDS + "s");
		registry.add("channels.client-read-timeout", () -> CLIENT_READ_TIMEOUT_MILLIS + "ms");
		registry.add("channels.unread-body-limit", () -> UNREAD_BODY_LIMIT_BYTES + "B");
		registry.add("server.port", () -> 0);
		registry.add("management.server.port", () -> 0);
		TestReaders.register(registry);
	}

	private static RawSink dyingSink() {
		String head = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n";
		byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
		byte[] answer = new byte[headBytes.length + DYING_BODY_BYTES];
		System.arraycopy(headBytes, 0, answer, 0, headBytes.length);
		System.arraycopy(TestBodies.bytes(DYING_BODY_BYTES), 0, answer, headBytes.length, DYING_BODY_BYTES);
		try {
			return RawSink.answering(answer);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static RawSink rawSink() {
		try {
			return RawSink.answeringByTarget();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private static int unusedPort() {
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * A loopback port that never completes a connection: a listening socket that never
	 * accepts, whose accept queue is filled, so the kernel drops further SYNs and
	 * connecting times out.
	 */
	static final class Blackhole {

		private final ServerSocket server;

		private final List<Socket> fillers = new ArrayList<>();

		Blackhole() {
			try {
				this.server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
				for (int i = 0; i < 4; i++) {
					Socket filler = new Socket();
					try {
						filler.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port()), 200);
						this.fillers.add(filler);
					}
					catch (IOException ex) {
						filler.close();
						break;
					}
				}
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

		int port() {
			return this.server.getLocalPort();
		}

	}

}
