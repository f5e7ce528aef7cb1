package dev.channels.gateway.recording;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.channels.gateway.observer.ExchangeOutcome.Kind;

import static org.assertj.core.api.Assertions.assertThat;

class RequestStateTests {

	@ParameterizedTest(name = "{0} with status {1} is {2}")
	@CsvSource(nullValues = "null", value = { "DELIVERED, 200, success", "DELIVERED, 204, success",
			"DELIVERED, 304, success", "DELIVERED, 399, success", "DELIVERED, 400, failed", "DELIVERED, 404, failed",
			"DELIVERED, 503, failed", "DELIVERED, null, success", "TIMED_OUT, null, timeout", "SINK_FAILED, 200, error",
			"SINK_FAILED, null, error", "CLIENT_ABORTED, 200, error", "INTERNAL_ERROR, null, error" })
	void stateIsDerivedFromHowTheExchangeEndedAndTheSinksStatus(Kind kind, Integer status, String state) {
		assertThat(RequestState.of(kind, status).column()).isEqualTo(state);
	}

}
