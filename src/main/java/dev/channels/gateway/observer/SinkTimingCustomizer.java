package dev.channels.gateway.observer;

import java.net.SocketAddress;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import org.jspecify.annotations.Nullable;
import reactor.netty.Connection;
import reactor.netty.ConnectionObserver;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientRequest;
import reactor.netty.http.client.HttpClientResponse;

import org.springframework.cloud.gateway.config.HttpClientCustomizer;

/**
 * Hooks the gateway's HTTP client so that each observed exchange learns where its time
 * went: how long its new connection to the sink took, or that a pooled one was reused,
 * when its last request byte was written and when the sink's headers arrived. The hooks
 * find the exchange's {@link SinkClock} in the Reactor context the routing filter
 * subscribes the client in; requests without one (not observed) are left alone.
 * <p>
 * A connection's own timing lives on its channel, from its initialisation (or the end of
 * the sink's name resolution, when there is one) to reactor-netty's {@code CONNECTED},
 * which comes after the TLS handshake; the first request on the channel takes it. Per
 * request, the hooks are a context lookup, a channel attribute and a
 * {@code System.nanoTime()} each; every hook is a method reference without captures.
 */
public final class SinkTimingCustomizer implements HttpClientCustomizer {

	private static final AttributeKey<NewConnection> NEW_CONNECTION = AttributeKey
		.valueOf(SinkTimingCustomizer.class.getName() + ".newConnection");

	@Override
	public HttpClient customize(HttpClient client) {
		return client.doOnChannelInit(SinkTimingCustomizer::channelInitialized)
			.doAfterResolve(SinkTimingCustomizer::resolved)
			.observe(SinkTimingCustomizer::stateChanged)
			.doOnRequest(SinkTimingCustomizer::requestStarting)
			.doAfterRequest(SinkTimingCustomizer::requestSent)
			.doOnResponse(SinkTimingCustomizer::responseStarted);
	}

	// A new channel, before its address is resolved and it connects.
	private static void channelInitialized(ConnectionObserver observer, Channel channel,
			@Nullable SocketAddress remoteAddress) {
		channel.attr(NEW_CONNECTION).set(new NewConnection(System.nanoTime()));
	}

	// Resolving the sink's name is not connecting to it.
	private static void resolved(Connection connection, SocketAddress address) {
		NewConnection created = connection.channel().attr(NEW_CONNECTION).get();
		if (created != null) {
			created.startNanos = System.nanoTime();
		}
	}

	private static void stateChanged(Connection connection, ConnectionObserver.State state) {
		if (state == ConnectionObserver.State.CONNECTED) {
			// After the TLS handshake, when there is one.
			NewConnection created = connection.channel().attr(NEW_CONNECTION).get();
			if (created != null && created.connectNanos < 0) {
				created.connectNanos = System.nanoTime() - created.startNanos;
			}
		}
		else if (state == ConnectionObserver.State.ACQUIRED) {
			// From the pool: a connection made for a request that never went out is
			// reused by the next one all the same.
			connection.channel().attr(NEW_CONNECTION).set(null);
		}
	}

	private static void requestStarting(HttpClientRequest request, Connection connection) {
		NewConnection created = connection.channel().attr(NEW_CONNECTION).getAndSet(null);
		SinkClock clock = SinkClock.of(request.currentContextView());
		if (clock != null) {
			clock.requestStarting(created == null, (created != null) ? created.connectNanos : -1);
		}
	}

	private static void requestSent(HttpClientRequest request, Connection connection) {
		SinkClock clock = SinkClock.of(request.currentContextView());
		if (clock != null) {
			clock.requestSent(System.nanoTime());
		}
	}

	private static void responseStarted(HttpClientResponse response, Connection connection) {
		SinkClock clock = SinkClock.of(response.currentContextView());
		if (clock != null) {
			clock.responseStarted(System.nanoTime());
		}
	}

	/**
	 * A channel's connection timing, until its first request takes it. Written and read
	 * on the channel's event loop, volatile in case a resolver completes elsewhere.
	 */
	private static final class NewConnection {

		private volatile long startNanos;

		private volatile long connectNanos = -1;

		private NewConnection(long startNanos) {
			this.startNanos = startNanos;
		}

	}

}
