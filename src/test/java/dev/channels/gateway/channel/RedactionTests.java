package dev.channels.gateway.channel;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.channels.gateway.observer.Header;

import static org.assertj.core.api.Assertions.assertThat;

class RedactionTests {

	private final Redaction redaction = new Redaction(List.of("Authorization", " x-api-key "), List.of("token"),
			List.of());

	@Test
	void redactsSecretHeadersInAnyCaseAndKeepsOrderAndNames() {
		List<Header> redacted = this.redaction.headers(List.of(new Header("AUTHORIZATION", "Basic abc"),
				new Header("Accept", "*/*"), new Header("X-Api-Key", "k"), new Header("authorization", "again")));

		assertThat(redacted).containsExactly(new Header("AUTHORIZATION", "[REDACTED]"), new Header("Accept", "*/*"),
				new Header("X-Api-Key", "[REDACTED]"), new Header("authorization", "[REDACTED]"));
	}

	@Test
	void noNamesRedactNothing() {
		Redaction none = new Redaction(List.of(), List.of(), List.of());
		List<Header> headers = List.of(new Header("Cookie", "a=b"));

		assertThat(none.headers(headers)).isEqualTo(headers);
		assertThat(none.query("token=1")).isEqualTo("token=1");
		assertThat(none.uri("http://u:p@host/x")).isEqualTo("http://[REDACTED]@host/x");
	}

	@Test
	void redactsSecretQueryValuesByTheirDecodedNameAndKeepsEverythingElseAsSent() {
		assertThat(this.redaction.query("a=1&token=s&TOKEN=s2&%74oken=s3&token&b=%zz&token="))
			.isEqualTo("a=1&token=[REDACTED]&TOKEN=[REDACTED]&%74oken=[REDACTED]&token&b=%zz&token=[REDACTED]");
		assertThat(this.redaction.query("")).isEmpty();
		assertThat(this.redaction.query("&&token=x&")).isEqualTo("&&token=[REDACTED]&");
		assertThat(this.redaction.query(null)).isNull();
	}

	@Test
	void redactsUserInfoAndSecretQueryValuesOfUris() {
		assertThat(this.redaction.uri("https://user:pass@sink.example:8443/path?token=t&x=1#frag"))
			.isEqualTo("https://[REDACTED]@sink.example:8443/path?token=[REDACTED]&x=1#frag");
		// The last @ of the authority ends the user info; an @ in the path is not user
		// info.
		assertThat(this.redaction.uri("http://a@b:c@host/p@q")).isEqualTo("http://[REDACTED]@host/p@q");
		assertThat(this.redaction.uri("http://host/p@q?token=1")).isEqualTo("http://host/p@q?token=[REDACTED]");
		assertThat(this.redaction.uri("lb://service")).isEqualTo("lb://service");
	}

	@Test
	void addsNamesToAnotherRedaction() {
		Redaction more = this.redaction.and(List.of("X-Session"), List.of("sig"), List.of());

		assertThat(more.isSecretHeader("x-session")).isTrue();
		assertThat(more.isSecretHeader("authorization")).isTrue();
		assertThat(more.query("sig=1&token=2&keep=3")).isEqualTo("sig=[REDACTED]&token=[REDACTED]&keep=3");
		assertThat(this.redaction.isSecretHeader("x-session")).isFalse();
	}

}
