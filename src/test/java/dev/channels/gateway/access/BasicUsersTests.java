package dev.channels.gateway.access;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;

import static org.assertj.core.api.Assertions.assertThat;

class BasicUsersTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private final AtomicInteger verifications = new AtomicInteger();

	private final PasswordEncoder bcrypt = PasswordEncoderFactories.createDelegatingPasswordEncoder();

	private final PasswordEncoder counting = new PasswordEncoder() {

		@Override
		public String encode(CharSequence rawPassword) {
			return BasicUsersTests.this.bcrypt.encode(rawPassword);
		}

		@Override
		public boolean matches(CharSequence rawPassword, String encodedPassword) {
			BasicUsersTests.this.verifications.incrementAndGet();
			return BasicUsersTests.this.bcrypt.matches(rawPassword, encodedPassword);
		}

	};

	private final BasicUsers users = new BasicUsers(Map.of("ann", this.bcrypt.encode("s3cret")), this.counting);

	@Test
	void aVerifiedPasswordIsRememberedAndAWrongOneIsVerifiedEachTime() {
		assertThat(this.users.check(basic("ann:s3cret")).block(WAIT)).isEqualTo(new Verdict.Admitted("basic:ann"));
		assertThat(this.users.check(basic("ann:s3cret")).block(WAIT)).isEqualTo(new Verdict.Admitted("basic:ann"));
		assertThat(this.verifications).hasValue(1);

		assertThat(this.users.check(basic("ann:wrong")).block(WAIT)).isInstanceOf(Verdict.Refused.class);
		assertThat(this.users.check(basic("ann:wrong")).block(WAIT)).isInstanceOf(Verdict.Refused.class);
		assertThat(this.verifications).hasValue(3);
	}

	@Test
	void anUnknownUserCostsAVerificationLikeAWrongPassword() {
		Verdict verdict = this.users.check(basic("bob:s3cret")).block(WAIT);

		assertThat(verdict).isInstanceOfSatisfying(Verdict.Refused.class,
				(refused) -> assertThat(refused.reason()).isEqualTo("invalid_basic"));
		assertThat(this.verifications).hasValue(1);
	}

	@Test
	void credentialsThatAreNotBasicAreRefusedWithoutVerification() {
		assertThat(this.users.check("%%%").block(WAIT)).isInstanceOf(Verdict.Refused.class);
		assertThat(this.users.check(Base64.getEncoder().encodeToString("no-colon".getBytes(StandardCharsets.UTF_8)))
			.block(WAIT)).isInstanceOf(Verdict.Refused.class);
		assertThat(this.verifications).hasValue(0);
	}

	private static String basic(String credentials) {
		return Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
	}

}
