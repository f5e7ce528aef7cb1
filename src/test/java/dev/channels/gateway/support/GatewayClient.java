package dev.channels.gateway.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real HTTP client for the gateway under test (the JDK's, so nothing is shared with the
 * Netty under test), plus raw sockets for clients that misbehave.
 */
public final class GatewayClient {

	private static final int CHUNK = 8 * 1024;

	private final HttpClient http = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	private final int port;

	// name, value, name, value... sent with every request that does not set the name
	private final String[] defaultHeaders;

	public GatewayClient(int port) {
		this(port, new String[0]);
	}

	private GatewayClient(int port, String[] defaultHeaders) {
		this.port = port;
		this.defaultHeaders = defaultHeaders;
	}

	/**
	 * A client of the same port that sends these HTTP Basic credentials with every
	 * request that has no Authorization header of its own.
	 */
	public GatewayClient withBasic(String username, String password) {
		return new GatewayClient(this.port, new String[] { "Authorization", basic(username, password) });
	}

	/** The value of an Authorization header with these HTTP Basic credentials. */
	public static String basic(String username, String password) {
		return "Basic " + java.util.Base64.getEncoder()
			.encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
	}

	public Response get(String path, String... headers) {
		return send("GET", path, null, headers);
	}

	/**
	 * Sends a request; a body is sent in chunks of 8 KiB with chunked transfer encoding.
	 * @param headers name, value, name, value...
	 */
	public Response send(String method, String path, byte[] body, String... headers) {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + this.port + path))
			.timeout(Duration.ofSeconds(30))
			.method(method, (body != null) ? HttpRequest.BodyPublishers.ofByteArrays(chunks(body))
					: HttpRequest.BodyPublishers.noBody());
		for (int i = 0; i < headers.length; i += 2) {
			request.header(headers[i], headers[i + 1]);
		}
		for (int i = 0; i < this.defaultHeaders.length; i += 2) {
			String name = this.defaultHeaders[i];
			boolean own = false;
			for (int j = 0; j < headers.length; j += 2) {
				own |= headers[j].equalsIgnoreCase(name);
			}
			if (!own) {
				request.header(name, this.defaultHeaders[i + 1]);
			}
		}
		try {
			HttpResponse<byte[]> response = this.http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
			return new Response(response.statusCode(), response.headers(), response.body());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Sends a GET on a raw connection, reads {@code bytes} bytes of the answer (head
	 * included) and closes the connection.
	 * @return what was read
	 */
	public byte[] readThenClose(String path, int bytes) {
		return raw("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n", (in) -> in.readNBytes(bytes));
	}

	/**
	 * Sends a GET on a raw connection and reads until the gateway closes it, as it does
	 * when a response breaks off.
	 * @return the head and whatever body arrived
	 */
	public RawResponse readUntilClosed(String path) {
		byte[] all = raw("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n", InputStream::readAllBytes);
		String text = new String(all, StandardCharsets.ISO_8859_1);
		int end = text.indexOf("\r\n\r\n") + 4;
		return new RawResponse(text.substring(0, end), java.util.Arrays.copyOfRange(all, end, all.length));
	}

	/**
	 * Sends a raw request, reads the response head and its body (as many bytes as its
	 * Content-Length says, or its chunks to the last), and closes the connection at once,
	 * as a client that is done does.
	 * @return the head and the body
	 */
	public RawResponse exchangeThenClose(String request) {
		return raw(request, (in) -> {
			ByteArrayOutputStream head = new ByteArrayOutputStream();
			int matched = 0;
			while (matched < 4) {
				int b = in.read();
				if (b < 0) {
					throw new IOException("connection closed in the response head");
				}
				head.write(b);
				matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : ((b == '\r') ? 1 : 0);
			}
			String headText = head.toString(StandardCharsets.ISO_8859_1);
			Matcher length = Pattern.compile("(?i)\r\ncontent-length: *(\\d+)").matcher(headText);
			if (length.find()) {
				return new RawResponse(headText, in.readNBytes(Integer.parseInt(length.group(1))));
			}
			boolean chunked = Pattern.compile("(?i)\r\ntransfer-encoding: *chunked").matcher(headText).find();
			return new RawResponse(headText, chunked ? readChunked(in) : new byte[0]);
		});
	}

	// A chunked body to its last chunk: a client is done with a response only then.
	private static byte[] readChunked(InputStream in) throws IOException {
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		while (true) {
			int size = Integer.parseInt(readLine(in).split(";", 2)[0].strip(), 16);
			if (size == 0) {
				while (!readLine(in).isEmpty()) {
					// trailers
				}
				return body.toByteArray();
			}
			body.write(in.readNBytes(size));
			readLine(in);
		}
	}

	private static String readLine(InputStream in) throws IOException {
		ByteArrayOutputStream line = new ByteArrayOutputStream();
		int b;
		while ((b = in.read()) != '\n') {
			if (b < 0) {
				throw new IOException("connection closed in a chunked body");
			}
			if (b != '\r') {
				line.write(b);
			}
		}
		return line.toString(StandardCharsets.ISO_8859_1);
	}

	/**
	 * Sends raw bytes (the request as ISO-8859-1) and reads until the gateway closes the
	 * connection.
	 * @return everything that came back, as ISO-8859-1
	 */
	public String exchangeUntilClosed(String request) {
		return raw(request, (in) -> new String(in.readAllBytes(), StandardCharsets.ISO_8859_1));
	}

	/**
	 * Opens a raw connection, for clients that send part of a request and wait or leave.
	 */
	public RawConnection connect() {
		try {
			Socket socket = new Socket(InetAddress.getLoopbackAddress(), this.port);
			socket.setSoTimeout(10_000);
			return new RawConnection(socket);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private <T> T raw(String request, RawReader<T> reader) {
		try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), this.port)) {
			socket.setSoTimeout(10_000);
			OutputStream out = socket.getOutputStream();
			out.write(request.getBytes(StandardCharsets.ISO_8859_1));
			out.flush();
			return reader.read(socket.getInputStream());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private interface RawReader<T> {

		T read(InputStream in) throws IOException;

	}

	/**
	 * A response read off a raw connection.
	 *
	 * @param head the status line and headers
	 * @param body the body
	 */
	public record RawResponse(String head, byte[] body) {

		public UUID requestId() {
			Matcher id = Pattern.compile("(?i)\r\nX-Channel-Request-Id: *([0-9a-f-]+)").matcher(this.head);
			if (!id.find()) {
				throw new AssertionError("no X-Channel-Request-Id in " + this.head);
			}
			return UUID.fromString(id.group(1));
		}

	}

	/**
	 * A raw connection to the gateway: what is sent is sent as ISO-8859-1, what is read
	 * is kept, and closing it is the client leaving.
	 */
	public static final class RawConnection implements AutoCloseable {

		private final Socket socket;

		private final ByteArrayOutputStream received = new ByteArrayOutputStream();

		RawConnection(Socket socket) {
			this.socket = socket;
		}

		public RawConnection send(String bytes) {
			try {
				this.socket.getOutputStream().write(bytes.getBytes(StandardCharsets.ISO_8859_1));
				this.socket.getOutputStream().flush();
				return this;
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

		/** Reads until what was received so far contains {@code text}. */
		public String readUntil(String text) {
			return readUntil((received) -> received.contains(text));
		}

		/** Reads until at least {@code count} bytes were received in all. */
		public String readAtLeast(int count) {
			return readUntil((received) -> received.length() >= count);
		}

		/** Everything received so far, as ISO-8859-1. */
		public String received() {
			return this.received.toString(StandardCharsets.ISO_8859_1);
		}

		private String readUntil(java.util.function.Predicate<String> done) {
			try {
				InputStream in = this.socket.getInputStream();
				byte[] buffer = new byte[8192];
				while (!done.test(received())) {
					int read = in.read(buffer);
					if (read < 0) {
						throw new IOException("connection closed; received: " + received());
					}
					this.received.write(buffer, 0, read);
				}
				return received();
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

		@Override
		public void close() {
			try {
				this.socket.close();
			}
			catch (IOException ex) {
				// gone anyway
			}
		}

	}

	private static List<byte[]> chunks(byte[] body) {
		List<byte[]> chunks = new ArrayList<>();
		for (int offset = 0; offset < body.length; offset += CHUNK) {
			int length = Math.min(CHUNK, body.length - offset);
			byte[] chunk = new byte[length];
			System.arraycopy(body, offset, chunk, 0, length);
			chunks.add(chunk);
		}
		return chunks;
	}

	/**
	 * What the client got.
	 *
	 * @param status the status
	 * @param headers the headers
	 * @param body the body
	 */
	public record Response(int status, HttpHeaders headers, byte[] body) {

		public UUID requestId() {
			return UUID.fromString(this.headers.firstValue("X-Channel-Request-Id").orElseThrow());
		}

		public String text() {
			return new String(this.body, StandardCharsets.UTF_8);
		}

	}

}
