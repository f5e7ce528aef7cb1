package dev.channels.gateway.recording;

import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

import io.r2dbc.spi.R2dbcDataIntegrityViolationException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.DataIntegrityViolationException;

import static org.assertj.core.api.Assertions.assertThat;

class OutcomeWriterTests {

	@ParameterizedTest(name = "SQLSTATE {0}: retried {1}")
	@CsvSource({ "08006, true", "40001, true", "40P01, true", "53300, true", "57P01, true", "57P03, true",
			"55P03, true", "P0001, false", "22021, false", "23505, false", "42703, false", "54000, false" })
	void aFailureTheDatabaseAnsweredIsRetriedByItsSqlStateClass(String sqlState, boolean retried) {
		// The driver reports most server errors as resource failures, whatever their
		// cause.
		Throwable error = new DataAccessResourceFailureException("write failed",
				new R2dbcNonTransientResourceException("server said no", sqlState));

		assertThat(OutcomeWriter.mayPass(error)).isEqualTo(retried);
	}

	@Test
	void failuresWithoutAnSqlStateAreRetriedWhenTheyAreAboutTheConnection() {
		assertThat(OutcomeWriter.mayPass(new TimeoutException())).isTrue();
		assertThat(OutcomeWriter.mayPass(new DataAccessResourceFailureException("Failed to obtain R2DBC Connection",
				new R2dbcNonTransientResourceException("Connection refused", (String) null,
						new ConnectException("Connection refused")))))
			.isTrue();
		assertThat(OutcomeWriter.mayPass(new R2dbcTransientResourceException("pool exhausted"))).isTrue();
	}

	@Test
	void failuresAboutTheDataOrTheCodeAreNotRetried() {
		assertThat(OutcomeWriter.mayPass(new DataIntegrityViolationException("constraint",
				new R2dbcDataIntegrityViolationException("constraint", "23514"))))
			.isFalse();
		assertThat(OutcomeWriter.mayPass(new IllegalArgumentException("cannot encode"))).isFalse();
	}

}
