package dev.channels.gateway.history;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import reactor.core.publisher.Mono;

import org.springframework.core.io.ClassPathResource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The history page: three static files (HTML, script, styles) from
 * {@code classpath:history/}, which is not one of Spring Boot's static resource
 * locations, so the gateway's own WebFlux configuration never serves them on the gateway
 * port. The script reads the history API with relative URLs, so the page works under any
 * management base path.
 */
final class HistoryPage {

	// Scripts and styles from the page's own origin only, no inline code, nothing framed;
	// the only image is the empty icon (data:), which spares the browser a request for
	// /favicon.ico.
	private static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; "
			+ "style-src 'self'; connect-src 'self'; img-src data:; base-uri 'none'; form-action 'self'; "
			+ "frame-ancestors 'none'";

	private final byte[] page = file("index.html");

	private final byte[] script = file("history.js");

	private final byte[] styles = file("history.css");

	// "/history" -> "history/", relative, so that it holds under any management base
	// path.
	Mono<ServerResponse> redirect(ServerRequest request) {
		return ServerResponse.status(HttpStatus.FOUND).header(HttpHeaders.LOCATION, "history/").build();
	}

	Mono<ServerResponse> page(ServerRequest request) {
		return serve(this.page, "text/html;charset=UTF-8");
	}

	Mono<ServerResponse> script(ServerRequest request) {
		return serve(this.script, "text/javascript;charset=UTF-8");
	}

	Mono<ServerResponse> styles(ServerRequest request) {
		return serve(this.styles, "text/css;charset=UTF-8");
	}

	private static Mono<ServerResponse> serve(byte[] content, String type) {
		return ServerResponse.ok()
			.contentType(MediaType.parseMediaType(type))
			.header(HttpHeaders.CACHE_CONTROL, "no-cache")
			.header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
			.header("X-Content-Type-Options", "nosniff")
			.header("Referrer-Policy", "no-referrer")
			.bodyValue(content);
	}

	// Read once: the files are small and in the jar.
	private static byte[] file(String name) {
		try (InputStream in = new ClassPathResource("history/" + name).getInputStream()) {
			return in.readAllBytes();
		}
		catch (IOException ex) {
			throw new UncheckedIOException("The history page's " + name + " is missing from the classpath", ex);
		}
	}

}
