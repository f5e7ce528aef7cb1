package dev.channels.gateway.recording;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Scheduler;

import dev.channels.gateway.ChannelsApplication;
import dev.channels.gateway.database.OutcomeDatabase;
import dev.channels.gateway.observer.ObservingFilter;
import dev.channels.gateway.recovery.InstanceLease;
import dev.channels.gateway.support.GatewayClient;
import dev.channels.gateway.support.GatewayClient.Response;
import dev.channels.gateway.support.RecordedRequests;
import dev.channels.gateway.support.TestChannels;
import dev.channels.gateway.support.TestDatabase;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code channels.recording.enabled=false} the gateway is plain Spring Cloud
 * Gateway: the benchmark's baseline. It proxies, and records nothing.
 */
@SpringBootTest(classes = ChannelsApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = "channels.recording.enabled=false")
class RecordingDisabledIntegrationTests {

	private final RecordedRequests recorded = new RecordedRequests(TestDatabase.get());

	@LocalServerPort
	private int port;

	@Autowired
	private ApplicationContext context;

	@DynamicPropertySource
	static void channels(DynamicPropertyRegistry registry) {
		TestChannels.register(registry);
	}

	@Test
	void requestsAreProxiedAndNothingIsRecorded() {
		Instant before = Instant.now();
		String uri = "/echo/unrecorded-" + UUID.randomUUID();

		Response response = new GatewayClient(this.port).send("POST", "/channels/echo" + uri, "payload".getBytes());

		assertThat(response.status()).isEqualTo(200);
		assertThat(response.text()).isEqualTo("payload");
		assertThat(response.headers().firstValue("X-Channel-Request-Id")).isEmpty();
		assertThat(TestChannels.SINK.received()).anyMatch((received) -> received.uri().equals(uri));
		assertThat(this.recorded.jdbc()
			.sql("SELECT count(*) FROM channel_requests WHERE started_at >= ?")
			.param(Timestamp.from(before))
			.query(Long.class)
			.single()).isZero();
	}

	@Test
	void noRecordingWorkRunsNoObserverLeaseSweeperRetentionOrSnapshotWrites() {
		assertThat(this.context.getBeansOfType(ObservingFilter.class)).isEmpty();
		assertThat(this.context.getBeansOfType(ChannelSnapshots.class)).isEmpty();
		assertThat(this.context.getBeansOfType(OutcomeDatabase.class)).isEmpty();
		assertThat(this.context.getBeansOfType(InstanceLease.class)).isEmpty();
		assertThat(this.context.getBeansOfType(Scheduler.class)).isEmpty();
		assertThat(this.context.getBeansOfType(SmartLifecycle.class).values())
			.noneMatch((lifecycle) -> lifecycle.getClass().getName().startsWith("dev.channels."));
	}

}
