package dev.channels.gateway.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A sink that speaks raw bytes over a loopback socket, for the misbehaviour a real HTTP
 * server will not produce: it reads a request's head, writes what it is told, and closes
 * the connection.
 */
public final class RawSink implements AutoCloseable {

	private static final byte[] NOT_FOUND = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"
		.getBytes(StandardCharsets.US_ASCII);

	private final ServerSocket server;

	private final Map<String, byte[]> answers = new ConcurrentHashMap<>();

	private final byte[] fallback;

	private RawSink(byte[] fallback) throws IOException {
		this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		this.fallback = fallback;
		Thread acceptor = new Thread(this::serve, "raw-sink-" + this.server.getLocalPort());
		acceptor.setDaemon(true);
		acceptor.start();
	}

	/** Answers every request with {@code answer} and then closes the connection. */
	public static RawSink answering(byte[] answer) throws IOException {
		return new RawSink(answer);
	}

	/**
	 * Answers each request with the answer {@link #answer registered} for its request
	 * target, or an empty 404, and then closes the connection.
	 */
	public static RawSink answeringByTarget() throws IOException {
		return new RawSink(NOT_FOUND);
	}

	/**
	 * Answers requests for {@code target} (the request target the sink sees) with
	 * {@code answer}.
	 */
	public void answer(String target, byte[] answer) {
		this.answers.put(target, answer);
	}

	public int port() {
		return this.server.getLocalPort();
	}

	@Override
	public void close() throws IOException {
		this.server.close();
	}

	private void serve() {
		while (!this.server.isClosed()) {
			try (Socket socket = this.server.accept()) {
				String[] requestLine = readHead(socket.getInputStream()).split(" ", 3);
				String target = (requestLine.length > 1) ? requestLine[1] : "";
				OutputStream out = socket.getOutputStream();
				out.write(this.answers.getOrDefault(target, this.fallback));
				out.flush();
			}
			catch (IOException ex) {
				// closed, or the gateway went away: next connection
			}
		}
	}

	private static String readHead(InputStream in) throws IOException {
		StringBuilder head = new StringBuilder();
		int matched = 0;
		byte[] end = { '\r', '\n', '\r', '\n' };
		while (matched < end.length) {
			int b = in.read();
			if (b < 0) {
				break;
			}
			head.append((char) b);
			matched = (b == end[matched]) ? matched + 1 : ((b == '\r') ? 1 : 0);
		}
		return head.toString();
	}

}
