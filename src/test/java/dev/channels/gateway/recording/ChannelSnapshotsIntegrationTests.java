package dev.channels.gateway.recording;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.r2dbc.spi.ConnectionFactory;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.channels.gateway.channel.ChannelPolicies;
import dev.channels.gateway.channel.Redaction;
import dev.channels.gateway.support.GatewayClient;
import dev.channels.gateway.support.GatewayIntegrationTest;
import dev.channels.gateway.support.RecordedRequests;
import dev.channels.gateway.support.StandaloneGateway;
import dev.channels.gateway.support.TestChannels;
import dev.channels.gateway.support.TestDatabase;
import dev.channels.gateway.support.TestRoutes;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cloud.gateway.event.RefreshRoutesResultEvent;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Channel snapshots: every request's row names the definition it went through; one row
 * per distinct definition, shared by requests and by replicas.
 */
class ChannelSnapshotsIntegrationTests extends GatewayIntegrationTest {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final RecordedRequests recorded = new RecordedRequests(TestDatabase.get());

	@LocalServerPort
	private int port;

	@Autowired
	private ApplicationContext context;

	@Autowired
	private ConnectionFactory connectionFactory;

	private GatewayClient client;

	@BeforeEach
	void setUp() {
		this.client = new GatewayClient(this.port);
	}

	@Test
	void requestsOfAChannelShareTheSnapshotOfItsDefinition() {
		UUID first = this.client.get("/channels/echo/echo").requestId();
		UUID second = this.client.get("/channels/echo/echo").requestId();

		Object snapshotId = this.recorded.awaitOutcome(first).request().get("channel_snapshot_id");
		assertThat(snapshotId).isNotNull()
			.isEqualTo(this.recorded.awaitOutcome(second).request().get("channel_snapshot_id"));
		Map<String, Object> snapshot = snapshot(snapshotId);
		assertThat(snapshot).containsEntry("channel_id", "echo");
		assertThat((String) snapshot.get("config_hash")).matches("[0-9a-f]{64}");
		JsonNode definition = JSON.readTree((String) snapshot.get("definition"));
		assertThat(definition.get("id").asString()).isEqualTo("echo");
		assertThat(definition.get("uri").asString()).isEqualTo(TestChannels.SINK.url());
		// As written in the configuration: the shortcut form.
		assertThat(definition.get("predicates").get(0).asString()).isEqualTo("Path=/channels/echo/**");
		assertThat(definition.get("filters").get(0).asString()).isEqualTo("StripPrefix=2");
		assertThat(this.recorded.jdbc()
			.sql("SELECT count(*) FROM channel_snapshots WHERE config_hash = ?")
			.param(snapshot.get("config_hash"))
			.query(Long.class)
			.single()).isOne();
	}

	@Test
	void aChangedDefinitionGetsANewSnapshotAndEarlierRequestsKeepTheirs() {
		String id = "evolving-" + UUID.randomUUID();
		TestRoutes.saveAndRefresh(this.context,
				TestRoutes.definition(id, TestChannels.SINK.url(), Map.of(), "AddRequestHeader=X-Version, 1"));
		UUID before = this.client.get("/channels/" + id + "/echo").requestId();
		Object oldSnapshot = this.recorded.awaitOutcome(before).request().get("channel_snapshot_id");

		TestRoutes.saveAndRefresh(this.context,
				TestRoutes.definition(id, TestChannels.SINK.url(), Map.of(), "AddRequestHeader=X-Version, 2"));
		UUID after = this.client.get("/channels/" + id + "/echo").requestId();

		Object newSnapshot = this.recorded.awaitOutcome(after).request().get("channel_snapshot_id");
		assertThat(newSnapshot).isNotNull().isNotEqualTo(oldSnapshot);
		assertThat(this.recorded.request(before).orElseThrow()).containsEntry("channel_snapshot_id", oldSnapshot);
		assertThat(versionArgument(oldSnapshot)).isEqualTo("1");
		assertThat(versionArgument(newSnapshot)).isEqualTo("2");
		assertThat(this.recorded.jdbc()
			.sql("SELECT count(*) FROM channel_snapshots WHERE channel_id = ?")
			.param(id)
			.query(Long.class)
			.single()).isEqualTo(2);
	}

	@Test
	void snapshotsAreWrittenWhenRoutesAreRefreshedBeforeAnyRequest() {
		String id = "eager-" + UUID.randomUUID();

		TestRoutes.saveAndRefresh(this.context, TestRoutes.definition(id, TestChannels.SINK.url(), Map.of()));

		Awaitility.await()
			.atMost(Duration.ofSeconds(10))
			.until(() -> this.recorded.jdbc()
				.sql("SELECT count(*) FROM channel_snapshots WHERE channel_id = ?")
				.param(id)
				.query(Long.class)
				.single() == 1);
	}

	@Test
	void credentialsAndSecretsInTheDefinitionAreRedacted() {
		String id = "guarded-" + UUID.randomUUID();
		String sink = TestChannels.SINK.url().replace("://", "://user:pa55word@") + "/?api_key=k3y&page=1";
		TestRoutes.saveAndRefresh(this.context,
				TestRoutes.definition(id, sink, Map.of("redacted-query-params", "api_key"),
						"SetRequestHeader=Authorization, Bearer s3cret", "AddRequestHeader=X-Plain, visible"));

		UUID request = this.client.get("/channels/" + id + "/echo").requestId();

		Object snapshotId = this.recorded.awaitOutcome(request).request().get("channel_snapshot_id");
		String definition = (String) snapshot(snapshotId).get("definition");
		assertThat(definition).doesNotContain("pa55word", "user:", "s3cret", "k3y")
			.contains("Authorization", "visible", "page=1");
		assertThat(JSON.readTree(definition).get("uri").asString()).startsWith("http://[REDACTED]@");
	}

	@Test
	void replicasStartingTogetherWriteOneSnapshotAndAgreeOnItsId() {
		Route route = TestRoutes.route("replicated-" + UUID.randomUUID());
		List<ChannelSnapshots> replicas = IntStream.range(0, 4).mapToObj((i) -> replica()).toList();

		List<CompletableFuture<UUID>> ids = replicas.stream()
			.flatMap((replica) -> IntStream.range(0, 5).mapToObj((i) -> replica.snapshotOf(route)))
			.toList();

		Set<UUID> distinct = ids.stream().map(CompletableFuture::join).collect(Collectors.toSet());
		assertThat(distinct).hasSize(1);
		assertThat(this.recorded.jdbc()
			.sql("SELECT id FROM channel_snapshots WHERE channel_id = ?")
			.param(route.getId())
			.query(UUID.class)
			.list()).containsExactlyElementsOf(distinct);
	}

	@Test
	void aRequestThroughARouteThatARefreshReplacedLeavesTheNewDefinitionInForce() {
		String id = "replaced-" + UUID.randomUUID();
		Route before = Route.async().id(id).uri("http://before.invalid").predicate((exchange) -> true).build();
		Route after = Route.async().id(id).uri("http://after.invalid").predicate((exchange) -> true).build();
		ChannelSnapshots gateway = replica(() -> Flux.just(after));
		UUID old = gateway.snapshotOf(before).join();

		gateway.onApplicationEvent(new RefreshRoutesResultEvent(this));
		UUID refreshed = gateway.snapshotOf(after).join();
		// A request that matched the route before the refresh reaches its snapshot now.
		UUID late = gateway.snapshotOf(before).join();

		assertThat(late).isEqualTo(old).isNotEqualTo(refreshed);
		assertThat(this.recorded.jdbc()
			.sql("SELECT id FROM channel_snapshots WHERE channel_id = ? ORDER BY in_force_at DESC LIMIT 1")
			.param(id)
			.query(UUID.class)
			.single()).isEqualTo(refreshed);
	}

	@Test
	void invalidOverridesInTheRoutesStopTheStart() {
		String route = "spring.cloud.gateway.server.webflux.routes[0].";
		Map<String, Object> settings = Map.of(route + "id", "badly-configured", route + "uri", TestChannels.SINK.url(),
				route + "predicates[0]", "Path=/channels/badly-configured/**", route + "metadata.preview-size", "lots");

		assertThatThrownBy(() -> StandaloneGateway.start(settings))
			.hasStackTraceContaining("Channel 'badly-configured' has invalid metadata: preview-size 'lots'");
	}

	// Another gateway instance's snapshots, on the same database.
	private ChannelSnapshots replica() {
		return replica(Flux::empty);
	}

	// One whose routes, when they are refreshed, are these.
	private ChannelSnapshots replica(RouteLocator routes) {
		ChannelPolicies policies = new ChannelPolicies(1024, new Redaction(List.of(), List.of(), List.of()));
		return new ChannelSnapshots(this.connectionFactory, routes, Flux::empty, List.of(), policies);
	}

	private Map<String, Object> snapshot(Object id) {
		return this.recorded.jdbc()
			.sql("SELECT channel_id, config_hash, definition::text AS definition FROM channel_snapshots WHERE id = ?")
			.param(id)
			.query()
			.singleRow();
	}

	private String versionArgument(Object snapshotId) {
		JsonNode filters = JSON.readTree((String) snapshot(snapshotId).get("definition")).get("filters");
		String addRequestHeader = filters.get(1).asString();
		return addRequestHeader.substring(addRequestHeader.indexOf(',') + 1);
	}

}
