package dev.channels.gateway.history;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.channels.gateway.support.GatewayClient;
import dev.channels.gateway.support.GatewayClient.Response;
import dev.channels.gateway.support.GatewayIntegrationTest;
import dev.channels.gateway.support.TestReaders;

import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The history page's files are served on the management port, with a policy that lets the
 * page run only its own script, and not on the gateway port. (What the page does is
 * tested in a browser by {@code scripts/history-browser-test.sh}.)
 */
class HistoryPageIntegrationTests extends GatewayIntegrationTest {

	@LocalServerPort
	private int port;

	@LocalManagementPort
	private int managementPort;

	private GatewayClient management;

	@BeforeEach
	void setUp() {
		this.management = TestReaders.management(this.managementPort);
	}

	@Test
	void historyRedirectsToThePageRelatively() {
		Response response = this.management.get("/history");

		assertThat(response.status()).isEqualTo(302);
		assertThat(response.headers().firstValue("Location")).hasValue("history/");
	}

	@Test
	void thePageAndItsFilesAreServedWithAPolicyThatAllowsOnlyThem() {
		Response page = this.management.get("/history/");
		Response script = this.management.get("/history/history.js");
		Response styles = this.management.get("/history/history.css");

		assertThat(page.status()).isEqualTo(200);
		assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html;charset=UTF-8");
		assertThat(page.text()).contains("<title>Channels history</title>").contains("src=\"history.js\"");
		assertThat(page.headers().firstValue("Content-Security-Policy"))
			.hasValueSatisfying((policy) -> assertThat(policy).contains("default-src 'none'")
				.contains("script-src 'self'")
				.doesNotContain("unsafe-inline"));
		assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
		assertThat(script.status()).isEqualTo(200);
		assertThat(script.headers().firstValue("Content-Type")).hasValue("text/javascript;charset=UTF-8");
		assertThat(script.text()).contains("textContent").doesNotContain("innerHTML");
		assertThat(styles.status()).isEqualTo(200);
		assertThat(styles.headers().firstValue("Content-Type")).hasValue("text/css;charset=UTF-8");
	}

	@Test
	void thePageIsNotServedOnTheGatewayPort() {
		GatewayClient gateway = new GatewayClient(this.port);

		assertThat(gateway.get("/history").status()).isEqualTo(404);
		assertThat(gateway.get("/history/").status()).isEqualTo(404);
		assertThat(gateway.get("/history/history.js").status()).isEqualTo(404);
		// nor as a static resource of the gateway's own WebFlux configuration
		assertThat(gateway.get("/history/index.html").status()).isEqualTo(404);
		assertThat(gateway.get("/index.html").status()).isEqualTo(404);
	}

}
