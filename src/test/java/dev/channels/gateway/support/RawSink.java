package dev.channels.gateway.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A sink that speaks raw bytes over a loopback socket, for the misbehaviour a real HTTP
 * server will not produce: it reads a request's head, writes what it is told, and closes
 * the connection.
 */
public final class RawSink implements AutoCloseable {

	private final ServerSocket server;

	private final byte[] answer;

	private RawSink(byte[] answer) throws IOException {
		this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
		this.answer = answer;
		Thread acceptor = new Thread(this::serve, "raw-sink-" + this.server.getLocalPort());
		acceptor.setDaemon(true);
		acceptor.start();
	}

	/** Answers every request with {@code answer} and then closes the connection. */
	public static RawSink answering(byte[] answer) throws IOException {
		return new RawSink(answer);
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
				readHead(socket.getInputStream());
				OutputStream out = socket.getOutputStream();
				out.write(this.answer);
				out.flush();
			}
			catch (IOException ex) {
				// closed, or the gateway went away: next connection
			}
		}
	}

	private static void readHead(InputStream in) throws IOException {
		int matched = 0;
		byte[] end = { '\r', '\n', '\r', '\n' };
		while (matched < end.length) {
			int b = in.read();
			if (b < 0) {
				return;
			}
			matched = (b == end[matched]) ? matched + 1 : ((b == '\r') ? 1 : 0);
		}
	}

}
