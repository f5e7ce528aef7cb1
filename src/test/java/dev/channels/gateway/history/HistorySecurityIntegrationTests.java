package dev.channels.gateway.history;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.channels.gateway.support.GatewayClient;
import dev.channels.gateway.support.GatewayClient.Response;
import dev.channels.gateway.support.GatewayIntegrationTest;
import dev.channels.gateway.support.TestReaders;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who may read the history, through real HTTP on the shared context's management port:
 * its readers ({@link TestReaders}) with HTTP Basic, each narrowed to its channels; the
 * probes, info and (by default) prometheus open; and the gateway port untouched by any of
 * it.
 */
@ExtendWith(OutputCaptureExtension.class)
class HistorySecurityIntegrationTests extends GatewayIntegrationTest {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final HistoryRows rows = new HistoryRows();

	@LocalServerPort
	private int port;

	@LocalManagementPort
	private int managementPort;

	private GatewayClient anonymous;

	private GatewayClient everything;

	private GatewayClient payments;

	@BeforeEach
	void setUp() {
		this.anonymous = new GatewayClient(this.managementPort);
		this.everything = TestReaders.management(this.managementPort);
		this.payments = new GatewayClient(this.managementPort).withBasic(TestReaders.PAYMENTS_READER,
				TestReaders.PAYMENTS_READER_PASSWORD);
	}

	// --- authentication

	@Test
	void theHistoryWithoutCredentialsIs401WithABasicChallenge() {
		for (String path : List.of("/history/api/requests", "/history/api/requests/" + UUID.randomUUID(),
				"/history/api/channels/echo/summary", "/history/", "/history/history.js", "/history")) {
			Response response = this.anonymous.get(path);

			assertThat(response.status()).as(path).isEqualTo(401);
			assertThat(response.headers().firstValue("WWW-Authenticate")).as(path)
				.hasValue("Basic realm=\"Channels history\"");
			assertThat(response.text()).as(path).doesNotContain("requests");
		}
	}

	@Test
	void aWrongPasswordOrAnUnknownReaderIs401() {
		Response wrongPassword = this.anonymous.get("/history/api/requests", "Authorization",
				GatewayClient.basic(TestReaders.READER, TestReaders.READER_PASSWORD + "x"));
		Response unknown = this.anonymous.get("/history/api/requests", "Authorization",
				GatewayClient.basic("mallory", TestReaders.READER_PASSWORD));
		Response otherReadersPassword = this.anonymous.get("/history/api/requests", "Authorization",
				GatewayClient.basic(TestReaders.READER, TestReaders.PAYMENTS_READER_PASSWORD));
		Response right = this.everything.get("/history/api/requests?limit=1");

		assertThat(wrongPassword.status()).isEqualTo(401);
		assertThat(wrongPassword.headers().firstValue("WWW-Authenticate"))
			.hasValueSatisfying((challenge) -> assertThat(challenge).startsWith("Basic "));
		assertThat(unknown.status()).isEqualTo(401);
		assertThat(otherReadersPassword.status()).isEqualTo(401);
		assertThat(right.status()).isEqualTo(200);
	}

	@Test
	void theProbesInfoAndPrometheusAreOpenByDefault() {
		for (String path : List.of("/actuator/health", "/actuator/health/liveness", "/actuator/health/readiness",
				"/actuator/info", "/actuator/prometheus")) {
			assertThat(this.anonymous.get(path).status()).as(path).isEqualTo(200);
		}
		assertThat(this.anonymous.get("/actuator/prometheus").text()).contains("channels_recording");
	}

	@Test
	void theActuatorIndexNeedsAReader() {
		assertThat(this.anonymous.get("/actuator").status()).isEqualTo(401);
		assertThat(this.everything.get("/actuator").status()).isEqualTo(200);
	}

	@Test
	void aReaderIsNeverRememberedInASession() {
		Response read = this.everything.get("/history/api/requests?limit=1");

		assertThat(read.headers().allValues("Set-Cookie")).isEmpty();
	}

	// --- channel grants

	@Test
	void aReaderOfOneChannelSeesOnlyThatChannelInTheList() {
		Instant start = HistoryRows.window();
		UUID payment = this.rows.insert(TestReaders.PAYMENTS, "success", start, 200, 5);
		UUID order = this.rows.insert(TestReaders.ORDERS, "success", start.plusSeconds(1), 200, 5);
		UUID other = this.rows.insert(HistoryRows.channel("ungranted"), "success", start.plusSeconds(2), 200, 5);
		String window = "from=" + start + "&to=" + start.plusSeconds(60);

		List<UUID> seenByPayments = ids(json(this.payments.get("/history/api/requests?limit=500&" + window)));
		List<UUID> asked = ids(
				json(this.payments.get("/history/api/requests?channel=" + TestReaders.ORDERS + "&" + window)));
		List<UUID> seenByAll = ids(json(this.everything.get("/history/api/requests?limit=500&" + window)));

		assertThat(seenByPayments).containsExactly(payment);
		assertThat(asked).isEmpty();
		assertThat(seenByAll).containsExactly(other, order, payment);
	}

	@Test
	void aReaderOfOneChannelGetsItsSummaryAnd404ForAnyOther() {
		Instant start = HistoryRows.window();
		this.rows.insert(TestReaders.PAYMENTS, "success", start, 200, 5);
		this.rows.insert(TestReaders.ORDERS, "failed", start.plusSeconds(1), 500, 5);
		String window = "?from=" + start + "&to=" + start.plusSeconds(60);

		Response granted = this.payments.get("/history/api/channels/" + TestReaders.PAYMENTS + "/summary" + window);
		Response orders = this.payments.get("/history/api/channels/" + TestReaders.ORDERS + "/summary" + window);
		Response unknown = this.payments
			.get("/history/api/channels/" + HistoryRows.channel("nowhere") + "/summary" + window);
		Response ordersForAll = this.everything
			.get("/history/api/channels/" + TestReaders.ORDERS + "/summary" + window);

		assertThat(granted.status()).isEqualTo(200);
		assertThat(json(granted).get("total").asLong()).isEqualTo(1);
		assertThat(orders.status()).isEqualTo(404);
		assertThat(json(orders).get("error").asString()).isEqualTo("not_found");
		assertThat(unknown.status()).isEqualTo(404);
		assertThat(ordersForAll.status()).isEqualTo(200);
		assertThat(json(ordersForAll).get("states").get("failed").asLong()).isEqualTo(1);
	}

	@Test
	void aReaderOfOneChannelGetsItsBucketsAnd404ForAnyOther() {
		Instant start = HistoryRows.window();
		this.rows.insert(TestReaders.PAYMENTS, "success", start, 200, 5);
		this.rows.insert(TestReaders.ORDERS, "failed", start.plusSeconds(1), 500, 5);
		String window = "?from=" + start + "&to=" + start.plusSeconds(60);

		Response granted = this.payments.get("/history/api/channels/" + TestReaders.PAYMENTS + "/buckets" + window);
		Response orders = this.payments.get("/history/api/channels/" + TestReaders.ORDERS + "/buckets" + window);
		Response ordersForAll = this.everything
			.get("/history/api/channels/" + TestReaders.ORDERS + "/buckets" + window);

		assertThat(granted.status()).isEqualTo(200);
		assertThat(json(granted).get("buckets").get(0).get("total").asLong()).isEqualTo(1);
		assertThat(orders.status()).isEqualTo(404);
		assertThat(json(orders).get("error").asString()).isEqualTo("not_found");
		assertThat(ordersForAll.status()).isEqualTo(200);
		assertThat(json(ordersForAll).get("buckets").get(0).get("states").get("failed").asLong()).isEqualTo(1);
	}

	@Test
	void anotherChannelsRequestIsAnsweredAsOneThatDoesNotExist() {
		Instant start = HistoryRows.window();
		UUID order = this.rows.insert(TestReaders.ORDERS, "success", start, 200, 5);
		UUID missing = UUID.randomUUID();

		Response denied = this.payments.get("/history/api/requests/" + order);
		Response absent = this.payments.get("/history/api/requests/" + missing);
		Response allowed = this.everything.get("/history/api/requests/" + order);

		assertThat(denied.status()).isEqualTo(404).isEqualTo(absent.status());
		assertThat(denied.text().replace(order.toString(), "ID"))
			.isEqualTo(absent.text().replace(missing.toString(), "ID"));
		assertThat(denied.headers().firstValue("Content-Type")).isEqualTo(absent.headers().firstValue("Content-Type"));
		assertThat(denied.headers().firstValue("Content-Length"))
			.isEqualTo(absent.headers().firstValue("Content-Length"));
		assertThat(allowed.status()).isEqualTo(200);
		assertThat(json(allowed).get("channel_id").asString()).isEqualTo(TestReaders.ORDERS);
	}

	@Test
	void eachReadOfARequestIsAuditedWithReaderRequestChannelAndTime(CapturedOutput output) {
		Instant start = HistoryRows.window();
		UUID payment = this.rows.insert(TestReaders.PAYMENTS, "success", start, 200, 5);
		UUID order = this.rows.insert(TestReaders.ORDERS, "success", start, 200, 5);
		Instant before = Instant.now();

		assertThat(this.payments.get("/history/api/requests/" + payment).status()).isEqualTo(200);
		assertThat(this.payments.get("/history/api/requests/" + order).status()).isEqualTo(404);
		assertThat(this.everything.get("/history/api/requests/" + order).status()).isEqualTo(200);

		List<String> lines = new ArrayList<>();
		output.getOut().lines().filter((line) -> line.contains("channels.audit")).forEach(lines::add);
		assertThat(lines).filteredOn((line) -> line.contains(payment.toString())).singleElement().satisfies((line) -> {
			assertThat(line)
				.contains("reader=payments-reader request=" + payment + " channel=" + TestReaders.PAYMENTS + " at=");
			Instant at = Instant.parse(line.substring(line.indexOf(" at=") + 4).strip());
			assertThat(at).isBetween(before, Instant.now());
		});
		assertThat(lines).filteredOn((line) -> line.contains(order.toString()))
			.singleElement()
			.satisfies((line) -> assertThat(line)
				.contains("reader=reader request=" + order + " channel=" + TestReaders.ORDERS));
		// no header or body content
		assertThat(lines).noneSatisfy((line) -> assertThat(line).containsAnyOf("Accept", "*/*", "Authorization"));
	}

	// --- the gateway port

	@Test
	void aPostThroughAChannelIsUntouchedBySecurity() {
		GatewayClient gateway = new GatewayClient(this.port);
		byte[] body = "{\"amount\":1}".getBytes(StandardCharsets.UTF_8);

		Response response = gateway.send("POST", "/channels/echo/echo", body, "Content-Type", "application/json",
				"Cookie", "session=abc", "Origin", "https://elsewhere.example");
		Response management = this.anonymous.get("/actuator/health");

		assertThat(response.status()).isEqualTo(200);
		assertThat(response.body()).isEqualTo(body);
		for (String added : List.of("X-Frame-Options", "X-Content-Type-Options", "X-XSS-Protection", "Cache-Control",
				"Pragma", "Expires", "Strict-Transport-Security", "WWW-Authenticate", "Set-Cookie")) {
			assertThat(response.headers().firstValue(added)).as(added).isEmpty();
		}
		// The same headers are written on the management port, by its own chain.
		assertThat(management.headers().firstValue("X-Frame-Options")).hasValue("DENY");
		assertThat(management.headers().firstValue("Cache-Control")).isPresent();
	}

	private static JsonNode json(Response response) {
		assertThat(response.headers().firstValue("Content-Type")).as(response.text()).hasValue("application/json");
		return JSON.readTree(response.body());
	}

	private static List<UUID> ids(JsonNode page) {
		List<UUID> ids = new ArrayList<>();
		page.get("requests").forEach((item) -> ids.add(UUID.fromString(item.get("id").asString())));
		return ids;
	}

}
