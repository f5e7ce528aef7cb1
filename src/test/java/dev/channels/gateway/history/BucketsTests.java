package dev.channels.gateway.history;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class BucketsTests {

	@Test
	void theWidthIsTheNarrowestRoundOneThatMakesAtMost360Buckets() {
		assertThat(Buckets.width(Duration.ofMinutes(10))).isEqualTo(Duration.ofMinutes(1));
		assertThat(Buckets.width(Duration.ofHours(6))).isEqualTo(Duration.ofMinutes(1));
		assertThat(Buckets.width(Duration.ofHours(6).plusSeconds(1))).isEqualTo(Duration.ofMinutes(5));
		assertThat(Buckets.width(Duration.ofDays(1))).isEqualTo(Duration.ofMinutes(5));
		assertThat(Buckets.width(Duration.ofDays(3))).isEqualTo(Duration.ofMinutes(15));
		assertThat(Buckets.width(Duration.ofDays(15))).isEqualTo(Duration.ofHours(1));
		assertThat(Buckets.width(Duration.ofDays(30))).isEqualTo(Duration.ofHours(6));
		assertThat(Buckets.width(Duration.ofDays(360))).isEqualTo(Duration.ofDays(1));
		assertThat(Buckets.width(Duration.ofDays(3600))).isEqualTo(Duration.ofDays(10));
	}

	@Test
	void aPartialLastBucketCounts() {
		assertThat(Buckets.count(Duration.ofSeconds(150), Duration.ofMinutes(1))).isEqualTo(3);
		assertThat(Buckets.count(Duration.ofSeconds(120), Duration.ofMinutes(1))).isEqualTo(2);
		assertThat(Buckets.count(Duration.ofSeconds(120).plusNanos(1000), Duration.ofMinutes(1))).isEqualTo(3);
	}

	@Test
	void anyWindowOfInstantsIsCountedWithoutOverflow() {
		assertThat(Buckets.count(Duration.ofDays(365L * 2_000_000_000L), Duration.ofSeconds(1))).isPositive();
	}

}
