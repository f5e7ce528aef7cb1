package dev.channels.gateway.support;

import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpResponseStatus;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * A real HTTP sink on a loopback port, for tests and the embedded demo:
 * <ul>
 * <li>{@code /echo}: streams the request body back, with the request's content type;</li>
 * <li>{@code /digest}: reads the whole request body, then answers with its size and
 * SHA-256 ({@code "<size> <sha256>"});</li>
 * <li>{@code /bytes/{n}}: {@code n} bytes of {@link TestBodies} in 8 KiB chunks, with a
 * Content-Length;</li>
 * <li>{@code /status/{code}}: answers with that status;</li>
 * <li>{@code /slow/{millis}}: answers after a delay;</li>
 * <li>{@code /sse}: five server-sent events, 50 ms apart;</li>
 * <li>{@code /drip/{kib}}: {@code kib} KiB with a Content-Length, 1 KiB every 20 ms;</li>
 * <li>{@code /secrets}: a response with secret headers;</li>
 * <li>{@code /flaky/{key}}: 503 on the first call for a key, 200 after.</li>
 * </ul>
 * Every request it receives is remembered, with the SHA-256 of its body.
 */
public final class TestSink implements AutoCloseable {

	private static final int CHUNK = 8 * 1024;

	private final List<Received> received = new CopyOnWriteArrayList<>();

	private final Set<String> flakyKeys = ConcurrentHashMap.newKeySet();

	private final DisposableServer server;

	private TestSink(int port) {
		this.server = HttpServer.create()
			.host("127.0.0.1")
			.port(port)
			.route((routes) -> routes.route((request) -> request.uri().startsWith("/echo"), this::echo)
				.route((request) -> request.uri().startsWith("/digest"), this::digest)
				.get("/bytes/{n}", this::bytes)
				.route((request) -> request.uri().startsWith("/status/"), this::status)
				.get("/slow/{millis}", this::slow)
				.get("/sse", this::sse)
				.get("/drip/{kib}", this::drip)
				.get("/secrets", this::secrets)
				.get("/flaky/{key}", this::flaky))
			.bindNow();
	}

	public static TestSink start() {
		return new TestSink(0);
	}

	public static TestSink start(int port) {
		return new TestSink(port);
	}

	public int port() {
		return this.server.port();
	}

	public String url() {
		return "http://127.0.0.1:" + port();
	}

	/** Requests that reached the sink, in arrival order. */
	public List<Received> received() {
		return List.copyOf(this.received);
	}

	@Override
	public void close() {
		this.server.disposeNow();
	}

	private Mono<Void> echo(HttpServerRequest request, HttpServerResponse response) {
		MessageDigest digest = TestBodies.digest();
		long[] size = new long[1];
		String contentType = request.requestHeaders().get("Content-Type", "application/octet-stream");
		Flux<ByteBuf> body = request.receive().retain().doOnNext((buffer) -> {
			size[0] += buffer.readableBytes();
			digest.update(buffer.nioBuffer());
		}).doOnComplete(() -> remember(request, size[0], HexFormat.of().formatHex(digest.digest())));
		return response.header("Content-Type", contentType).send(body).then();
	}

	private Mono<Void> digest(HttpServerRequest request, HttpServerResponse response) {
		MessageDigest digest = TestBodies.digest();
		long[] size = new long[1];
		return request.receive().doOnNext((buffer) -> {
			size[0] += buffer.readableBytes();
			digest.update(buffer.nioBuffer());
		}).then(Mono.defer(() -> {
			String sha256 = HexFormat.of().formatHex(digest.digest());
			remember(request, size[0], sha256);
			return response.sendString(Mono.just(size[0] + " " + sha256)).then();
		}));
	}

	private Mono<Void> bytes(HttpServerRequest request, HttpServerResponse response) {
		remember(request, 0, null);
		long n = Long.parseLong(request.param("n"));
		Flux<ByteBuf> chunks = Flux.generate(() -> 0L, (offset, sink) -> {
			if (offset >= n) {
				sink.complete();
				return offset;
			}
			int length = (int) Math.min(CHUNK, n - offset);
			sink.next(Unpooled.wrappedBuffer(TestBodies.bytes(offset, length)));
			return offset + length;
		});
		return response.header("Content-Type", "application/octet-stream")
			.header("Content-Length", Long.toString(n))
			.send(chunks)
			.then();
	}

	private Mono<Void> status(HttpServerRequest request, HttpServerResponse response) {
		remember(request, 0, null);
		String path = request.uri().substring("/status/".length());
		int code = Integer.parseInt(path.split("[/?]", 2)[0]);
		return response.status(HttpResponseStatus.valueOf(code)).sendString(Mono.just("status " + code)).then();
	}

	private Mono<Void> slow(HttpServerRequest request, HttpServerResponse response) {
		remember(request, 0, null);
		long millis = Long.parseLong(request.param("millis"));
		return Mono.delay(Duration.ofMillis(millis)).then(response.sendString(Mono.just("slow")).then());
	}

	private Mono<Void> sse(HttpServerRequest request, HttpServerResponse response) {
		remember(request, 0, null);
		Flux<String> events = Flux.interval(Duration.ofMillis(50)).take(5).map((i) -> "data: event " + i + "\n\n");
		return response.header("Content-Type", "text/event-stream")
			.sendString(events, java.nio.charset.StandardCharsets.UTF_8)
			.then();
	}

	private Mono<Void> drip(HttpServerRequest request, HttpServerResponse response) {
		remember(request, 0, null);
		int kib = Integer.parseInt(request.param("kib"));
		Flux<ByteBuf> chunks = Flux.interval(Duration.ofMillis(20))
			.take(kib)
			.map((i) -> Unpooled.wrappedBuffer(TestBodies.bytes(i * 1024, 1024)));
		return response.header("Content-Length", Integer.toString(kib * 1024)).send(chunks, (buffer) -> true).then();
	}

	private Mono<Void> secrets(HttpServerRequest request, HttpServerResponse response) {
		remember(request, 0, null);
		return response.addHeader("Set-Cookie", "session=s3cr3t")
			.addHeader("X-API-Key", "sink-key")
			.addHeader("X-Multi", "one")
			.addHeader("X-Multi", "two")
			.sendString(Mono.just("secrets"))
			.then();
	}

	private Mono<Void> flaky(HttpServerRequest request, HttpServerResponse response) {
		remember(request, 0, null);
		boolean first = this.flakyKeys.add(request.param("key"));
		HttpResponseStatus status = first ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.OK;
		return response.status(status).sendString(Mono.just(first ? "try again" : "fine")).then();
	}

	private void remember(HttpServerRequest request, long size, String sha256) {
		Map<String, String> headers = new ConcurrentHashMap<>();
		request.requestHeaders()
			.forEach((entry) -> headers.merge(entry.getKey().toLowerCase(), entry.getValue(),
					(first, second) -> first + "," + second));
		this.received.add(new Received(request.method().name(), request.uri(), headers, size, sha256));
	}

	/**
	 * A request as the sink saw it.
	 *
	 * @param method the method
	 * @param uri the request target
	 * @param headers header values by lower-case name, repeated values joined by commas
	 * @param bodySize body bytes read (echo only)
	 * @param bodySha256 SHA-256 of the body (echo only)
	 */
	public record Received(String method, String uri, Map<String, String> headers, long bodySize, String bodySha256) {
	}

}
