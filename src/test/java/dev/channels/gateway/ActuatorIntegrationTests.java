package dev.channels.gateway;

import org.junit.jupiter.api.Test;

import dev.channels.gateway.support.GatewayClient;
import dev.channels.gateway.support.GatewayClient.Response;
import dev.channels.gateway.support.GatewayIntegrationTest;

import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Actuator is served on its own management port, with liveness and readiness groups, and
 * not on the gateway port.
 */
class ActuatorIntegrationTests extends GatewayIntegrationTest {

	@LocalServerPort
	private int port;

	@LocalManagementPort
	private int managementPort;

	@Test
	void healthWithLivenessAndReadinessGroupsIsUpOnTheManagementPort() {
		GatewayClient management = new GatewayClient(this.managementPort);

		Response health = management.get("/actuator/health");
		assertThat(health.status()).isEqualTo(200);
		assertThat(health.text()).contains("\"status\":\"UP\"").contains("liveness").contains("readiness");
		assertThat(management.get("/actuator/health/liveness").text()).contains("\"status\":\"UP\"");
		assertThat(management.get("/actuator/health/readiness").text()).contains("\"status\":\"UP\"");
	}

	@Test
	void healthHoldsNoComponentThatIsNeitherUpNorDown() {
		Response health = new GatewayClient(this.managementPort).get("/actuator/health");

		// No discovery client is used: no "Discovery Client not initialized" (UNKNOWN).
		assertThat(health.text()).doesNotContain("discovery").doesNotContain("UNKNOWN");
		assertThat(health.text()).contains("\"r2dbc\"", "\"recording\"");
	}

	@Test
	void infoTellsTheBuild() {
		Response info = new GatewayClient(this.managementPort).get("/actuator/info");

		assertThat(info.status()).isEqualTo(200);
		assertThat(info.text()).contains("\"artifact\":\"channels-gateway\"");
	}

	@Test
	void actuatorIsNotServedOnTheGatewayPort() {
		assertThat(this.port).isNotEqualTo(this.managementPort);
		assertThat(new GatewayClient(this.port).get("/actuator/health").status()).isEqualTo(404);
	}

}
