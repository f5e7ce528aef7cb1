package dev.channels.gateway.recording;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.channels.gateway.observer.Header;

import static org.assertj.core.api.Assertions.assertThat;

class HeaderRedactorTests {

	@Test
	void redactsConfiguredNamesInAnyCaseAndKeepsOrderAndNames() {
		HeaderRedactor redactor = new HeaderRedactor(List.of("Authorization", " x-api-key "));

		List<Header> redacted = redactor.redact(List.of(new Header("AUTHORIZATION", "Basic abc"),
				new Header("Accept", "*/*"), new Header("X-Api-Key", "k"), new Header("authorization", "again")));

		assertThat(redacted).containsExactly(new Header("AUTHORIZATION", "[REDACTED]"), new Header("Accept", "*/*"),
				new Header("X-Api-Key", "[REDACTED]"), new Header("authorization", "[REDACTED]"));
	}

	@Test
	void emptyListRedactsNothing() {
		List<Header> headers = List.of(new Header("Cookie", "a=b"));

		assertThat(new HeaderRedactor(List.of()).redact(headers)).isEqualTo(headers);
	}

}
