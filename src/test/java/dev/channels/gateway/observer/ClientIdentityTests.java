package dev.channels.gateway.observer;

import java.util.List;
import java.util.function.Predicate;

import org.junit.jupiter.api.Test;

import org.springframework.cloud.gateway.filter.headers.TrustedProxies;

import static org.assertj.core.api.Assertions.assertThat;

class ClientIdentityTests {

	// Spring Cloud Gateway's own matcher, as the gateway builds it from trusted-proxies.
	private final Predicate<String> trusted = TrustedProxies.from("10\\.0\\.0\\.\\d+|127\\.0\\.0\\.1")::isTrusted;

	@Test
	void anUntrustedPeerIsTheClientWhateverItsForwardedForSays() {
		assertThat(ClientIdentity.of("203.0.113.9", forwardedFor("198.51.100.1"), this.trusted))
			.isEqualTo("203.0.113.9");
		assertThat(ClientIdentity.of("127.0.0.1", forwardedFor("198.51.100.1"), (address) -> false))
			.isEqualTo("127.0.0.1");
	}

	@Test
	void behindTrustedProxiesTheClientIsTheFirstUntrustedAddressFromTheRight() {
		// A client that writes its own X-Forwarded-For (spoofed) is the entry after it.
		assertThat(ClientIdentity.of("127.0.0.1", forwardedFor("192.0.2.66, 198.51.100.7, 10.0.0.5"), this.trusted))
			.isEqualTo("198.51.100.7");
		// Repeated headers are one list, in arrival order.
		assertThat(ClientIdentity.of("127.0.0.1",
				List.of(new Header("X-Forwarded-For", "192.0.2.66"), new Header("x-forwarded-for", "198.51.100.7")),
				this.trusted))
			.isEqualTo("198.51.100.7");
	}

	@Test
	void aTrustedPeerWithoutForwardedForIsTheClientAndTrustedAllTheWayIsTheFurthestHop() {
		assertThat(ClientIdentity.of("127.0.0.1", List.of(), this.trusted)).isEqualTo("127.0.0.1");
		assertThat(ClientIdentity.of("127.0.0.1", forwardedFor("10.0.0.1, 10.0.0.2"), this.trusted))
			.isEqualTo("10.0.0.1");
		assertThat(ClientIdentity.of(null, forwardedFor("198.51.100.7"), this.trusted)).isNull();
	}

	private static List<Header> forwardedFor(String value) {
		return List.of(new Header("Content-Type", "text/plain"), new Header("X-Forwarded-For", value));
	}

}
