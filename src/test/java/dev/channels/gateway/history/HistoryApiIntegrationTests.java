package dev.channels.gateway.history;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.channels.gateway.support.GatewayClient;
import dev.channels.gateway.support.GatewayClient.Response;
import dev.channels.gateway.support.GatewayIntegrationTest;
import dev.channels.gateway.support.RecordedRequests;
import dev.channels.gateway.support.TestBodies;
import dev.channels.gateway.support.TestChannels;
import dev.channels.gateway.support.TestDatabase;
import dev.channels.gateway.support.TestReaders;
import dev.channels.gateway.support.TestRoutes;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.context.ApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The history API on the management port, against rows the gateway recorded and rows
 * written straight into the database for precise cases.
 */
class HistoryApiIntegrationTests extends GatewayIntegrationTest {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final HistoryRows rows = new HistoryRows();

	private final RecordedRequests recorded = new RecordedRequests(TestDatabase.get());

	@LocalServerPort
	private int port;

	@LocalManagementPort
	private int managementPort;

	@Autowired
	private ApplicationContext context;

	private GatewayClient gateway;

	private GatewayClient management;

	@BeforeEach
	void setUp() {
		this.gateway = new GatewayClient(this.port);
		this.management = TestReaders.management(this.managementPort);
	}

	// --- the list and its filters

	@Test
	void listShowsAChannelsRequestsNewestFirstWithTheirOutcome() {
		String channel = HistoryRows.channel("list");
		Instant start = HistoryRows.window();
		UUID oldest = this.rows.insert(channel, "success", start, 200, 12);
		UUID pending = this.rows.insert(channel, "pending", start.plusSeconds(1), null, null);
		UUID newest = this.rows.insert(channel, "failed", start.plusSeconds(2), 503, 40);

		JsonNode page = json(this.management.get("/history/api/requests?channel=" + channel));

		assertThat(ids(page)).containsExactly(newest, pending, oldest);
		assertThat(page.get("next").isNull()).isTrue();
		JsonNode failed = page.get("requests").get(0);
		assertThat(failed.get("channel_id").asString()).isEqualTo(channel);
		assertThat(failed.get("state").asString()).isEqualTo("failed");
		assertThat(failed.get("response_status").asInt()).isEqualTo(503);
		assertThat(failed.get("latency_ms").asInt()).isEqualTo(40);
		assertThat(failed.get("started_at").asString()).isEqualTo(start.plusSeconds(2).toString());
		assertThat(failed.get("completed_at").asString()).isEqualTo(start.plusSeconds(2).plusMillis(40).toString());
		assertThat(failed.get("request_method").asString()).isEqualTo("GET");
		assertThat(failed.get("request_path").asString()).isEqualTo("/channels/" + channel + "/x");
		JsonNode stillPending = page.get("requests").get(1);
		assertThat(stillPending.get("state").asString()).isEqualTo("pending");
		assertThat(stillPending.get("response_status").isNull()).isTrue();
		assertThat(stillPending.get("latency_ms").isNull()).isTrue();
		assertThat(stillPending.get("completed_at").isNull()).isTrue();
	}

	@Test
	void listOfRequestsTheGatewayRecordedHasTheirMethodPathAndStatus() {
		Response answered = this.gateway.send("PATCH", "/channels/echo/status/418", "tea".getBytes());
		UUID id = answered.requestId();
		this.recorded.awaitOutcome(id);

		JsonNode page = json(this.management.get("/history/api/requests?channel=echo&status=418&limit=500"));

		JsonNode item = find(page, id);
		assertThat(item.get("state").asString()).isEqualTo("failed");
		assertThat(item.get("request_method").asString()).isEqualTo("PATCH");
		assertThat(item.get("request_path").asString()).isEqualTo("/channels/echo/status/418");
		assertThat(item.get("response_status").asInt()).isEqualTo(418);
	}

	@Test
	void channelFilterShowsOnlyThatChannel() {
		String mine = HistoryRows.channel("mine");
		String other = HistoryRows.channel("other");
		Instant start = HistoryRows.window();
		UUID a = this.rows.insert(mine, "success", start, 200, 5);
		this.rows.insert(other, "success", start.plusSeconds(1), 200, 5);
		UUID b = this.rows.insert(mine, "error", start.plusSeconds(2), null, 5);

		assertThat(ids(json(this.management.get("/history/api/requests?channel=" + mine)))).containsExactly(b, a);
		assertThat(ids(json(this.management.get("/history/api/requests?channel=" + other)))).hasSize(1);
	}

	@ParameterizedTest(name = "state {0}")
	@CsvSource({ "pending", "success", "failed", "timeout", "error" })
	void stateFilterShowsOnlyThatState(String state) {
		Instant start = HistoryRows.window();
		String channel = HistoryRows.channel("states");
		Map<String, UUID> byState = new LinkedHashMap<>();
		int second = 0;
		for (String each : Parameters.STATES) {
			byState.put(each, this.rows.insert(channel, each, start.plusSeconds(second++), 200, 5));
		}
		String window = "&from=" + start + "&to=" + start.plusSeconds(60);

		JsonNode filtered = json(this.management.get("/history/api/requests?state=" + state + window));
		JsonNode everything = json(this.management.get("/history/api/requests?limit=500" + window));
		JsonNode stateAlone = json(this.management.get("/history/api/requests?limit=500&state=" + state));

		assertThat(ids(filtered)).containsExactly(byState.get(state));
		assertThat(ids(everything)).containsAll(byState.values());
		assertThat(stateAlone.get("requests")).isNotEmpty()
			.allSatisfy((item) -> assertThat(item.get("state").asString()).isEqualTo(state));
	}

	@Test
	void statusFilterMatchesTheSinksStatus() {
		String channel = HistoryRows.channel("status");
		Instant start = HistoryRows.window();
		UUID notFound = this.rows.insert(channel, "failed", start, 404, 5);
		this.rows.insert(channel, "failed", start.plusSeconds(1), 500, 5);
		this.rows.insert(channel, "success", start.plusSeconds(2), 200, 5);
		this.rows.insert(channel, "pending", start.plusSeconds(3), null, null);

		JsonNode page = json(this.management.get("/history/api/requests?status=404&channel=" + channel));

		assertThat(ids(page)).containsExactly(notFound);
	}

	@Test
	void timeRangeIncludesItsStartAndExcludesItsEnd() {
		String channel = HistoryRows.channel("range");
		Instant start = HistoryRows.window();
		UUID before = this.rows.insert(channel, "success", start.minusNanos(1000), 200, 5);
		UUID atFrom = this.rows.insert(channel, "success", start, 200, 5);
		UUID inside = this.rows.insert(channel, "success", start.plusSeconds(30), 200, 5);
		UUID lastMicro = this.rows.insert(channel, "success", start.plusSeconds(60).minusNanos(1000), 200, 5);
		UUID atTo = this.rows.insert(channel, "success", start.plusSeconds(60), 200, 5);

		JsonNode page = json(this.management
			.get("/history/api/requests?channel=" + channel + "&from=" + start + "&to=" + start.plusSeconds(60)));
		JsonNode fromOnly = json(this.management.get("/history/api/requests?channel=" + channel + "&from=" + start));
		JsonNode toOnly = json(
				this.management.get("/history/api/requests?channel=" + channel + "&to=" + start.plusSeconds(30)));

		assertThat(ids(page)).containsExactly(lastMicro, inside, atFrom);
		assertThat(ids(fromOnly)).containsExactly(atTo, lastMicro, inside, atFrom);
		assertThat(ids(toOnly)).containsExactly(atFrom, before);
	}

	@Test
	void instantsWithAnOffsetAreUnderstood() {
		String channel = HistoryRows.channel("offset");
		Instant start = HistoryRows.window();
		UUID inside = this.rows.insert(channel, "success", start.plusSeconds(3600), 200, 5);
		this.rows.insert(channel, "success", start.plusSeconds(7200), 200, 5);
		// start + 1 h to start + 2 h, written as local times at +02:00 ('+' encoded)
		String from = URLEncoder.encode(HistoryRows.time(start.plusSeconds(3600))
			.withOffsetSameInstant(java.time.ZoneOffset.ofHours(2))
			.toString(), StandardCharsets.UTF_8);
		String to = URLEncoder.encode(HistoryRows.time(start.plusSeconds(7200))
			.withOffsetSameInstant(java.time.ZoneOffset.ofHours(2))
			.toString(), StandardCharsets.UTF_8);

		JsonNode page = json(
				this.management.get("/history/api/requests?channel=" + channel + "&from=" + from + "&to=" + to));

		assertThat(ids(page)).containsExactly(inside);
	}

	@Test
	void instantsWithoutSecondsAreUnderstood() {
		String channel = HistoryRows.channel("minutes");
		Instant start = HistoryRows.window().truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
		this.rows.insert(channel, "success", start.minusSeconds(1), 200, 5);
		UUID inside = this.rows.insert(channel, "success", start, 200, 5);
		this.rows.insert(channel, "success", start.plusSeconds(60), 200, 5);
		// "2001-02-03T04:05Z"
		String from = start.toString().replace(":00Z", "Z");
		String to = start.plusSeconds(60).toString().replace(":00Z", "Z");

		JsonNode page = json(
				this.management.get("/history/api/requests?channel=" + channel + "&from=" + from + "&to=" + to));

		assertThat(from).hasSize(17);
		assertThat(ids(page)).containsExactly(inside);
	}

	@Test
	void filtersCombine() {
		String channel = HistoryRows.channel("combined");
		String other = HistoryRows.channel("combined-other");
		Instant start = HistoryRows.window();
		UUID match = this.rows.insert(channel, "failed", start.plusSeconds(10), 503, 5);
		this.rows.insert(channel, "failed", start.plusSeconds(11), 500, 5); // other
																			// status
		this.rows.insert(channel, "success", start.plusSeconds(12), 200, 5); // other
																				// state
		this.rows.insert(other, "failed", start.plusSeconds(13), 503, 5); // other channel
		this.rows.insert(channel, "failed", start.plusSeconds(100), 503, 5); // after the
																				// window
		this.rows.insert(channel, "failed", start, 503, 5); // before it

		JsonNode page = json(this.management.get("/history/api/requests?channel=" + channel
				+ "&state=failed&status=503&from=" + start.plusSeconds(1) + "&to=" + start.plusSeconds(100)));

		assertThat(ids(page)).containsExactly(match);
	}

	@Test
	void eachRequestSaysHowItsClientAuthenticatedAndTheListFiltersByIt() {
		String channel = HistoryRows.channel("client-auth");
		Instant start = HistoryRows.window();
		UUID partnerA = this.rows.insert(channel, "success", start, 200, 5);
		UUID partnerB = this.rows.insert(channel, "success", start.plusSeconds(1), 200, 5);
		UUID open = this.rows.insert(channel, "success", start.plusSeconds(2), 200, 5);
		UUID partnerALater = this.rows.insert(channel, "failed", start.plusSeconds(3), 500, 5);
		String a = "api-key:" + channel + "-a";
		this.rows.clientAuth(partnerA, a);
		this.rows.clientAuth(partnerB, "basic:" + channel + "-b");
		this.rows.clientAuth(partnerALater, a);

		JsonNode all = json(this.management.get("/history/api/requests?channel=" + channel));
		JsonNode onlyA = json(this.management.get("/history/api/requests?client_auth=" + a));
		JsonNode combined = json(
				this.management.get("/history/api/requests?state=success&channel=" + channel + "&client_auth=" + a));
		JsonNode detail = json(this.management.get("/history/api/requests/" + partnerB));

		assertThat(ids(all)).containsExactly(partnerALater, open, partnerB, partnerA);
		assertThat(find(all, partnerB).get("client_auth").asString()).isEqualTo("basic:" + channel + "-b");
		assertThat(find(all, open).get("client_auth").isNull()).isTrue();
		assertThat(ids(onlyA)).containsExactly(partnerALater, partnerA);
		assertThat(ids(combined)).containsExactly(partnerA);
		assertThat(detail.get("client_auth").asString()).isEqualTo("basic:" + channel + "-b");
		assertThat(json(this.management.get("/history/api/requests/" + open)).get("client_auth").isNull()).isTrue();
	}

	// --- pagination

	@Test
	void pagesFollowEachOtherWithoutDuplicatesOrGapsWhileNewRequestsArrive() throws Exception {
		String channel = HistoryRows.channel("pages");
		Instant start = HistoryRows.now().minusSeconds(600);
		List<UUID> seeded = new ArrayList<>();
		for (int i = 0; i < 95; i++) {
			// groups of three with the same started_at: the id breaks the tie
			seeded.add(this.rows.insert(HistoryRows.newId(), channel, "success", start.plusMillis(i / 3), 200, 5));
		}
		AtomicBoolean paging = new AtomicBoolean(true);
		AtomicInteger arrived = new AtomicInteger();
		ExecutorService executor = Executors.newSingleThreadExecutor();
		Future<?> arrivals = executor.submit(() -> {
			while (paging.get()) {
				this.rows.insert(HistoryRows.newId(), channel, "pending", HistoryRows.now(), null, null);
				arrived.incrementAndGet();
			}
		});
		List<UUID> seen = new ArrayList<>();
		JsonNode first;
		try {
			while (arrived.get() < 3) {
				Thread.sleep(1);
			}
			first = json(this.management.get("/history/api/requests?limit=10&channel=" + channel));
			JsonNode page = first;
			int pages = 1;
			seen.addAll(ids(page));
			while (!page.get("next").isNull()) {
				int before = arrived.get();
				page = json(this.management.get("/history/api/requests?limit=10&channel=" + channel + "&cursor="
						+ page.get("next").asString()));
				seen.addAll(ids(page));
				pages++;
				while (arrived.get() == before) {
					Thread.sleep(1);
				}
			}
			assertThat(pages).isGreaterThan(9);
		}
		finally {
			paging.set(false);
			arrivals.get(10, TimeUnit.SECONDS);
			executor.shutdown();
		}

		assertThat(new HashSet<>(seen)).as("no duplicates").hasSameSizeAs(seen);
		UUID firstId = UUID.fromString(first.get("requests").get(0).get("id").asString());
		List<UUID> expected = this.rows.jdbc().sql("""
				SELECT id FROM channel_requests WHERE channel_id = ?
				AND (started_at, id) <= (SELECT started_at, id FROM channel_requests WHERE id = ?)
				ORDER BY started_at DESC, id DESC""").params(channel, firstId).query(UUID.class).list();
		assertThat(seen).as("every row from the first page's first on, in order").isEqualTo(expected);
		assertThat(seen).containsAll(seeded);
		assertThat(arrived.get()).as("rows inserted while paging").isGreaterThan(10);
	}

	@Test
	void aFullLastPageHasNoNextCursor() {
		String channel = HistoryRows.channel("exact");
		Instant start = HistoryRows.window();
		for (int i = 0; i < 4; i++) {
			this.rows.insert(channel, "success", start.plusSeconds(i), 200, 5);
		}

		JsonNode first = json(this.management.get("/history/api/requests?limit=2&channel=" + channel));
		JsonNode second = json(this.management
			.get("/history/api/requests?limit=2&channel=" + channel + "&cursor=" + first.get("next").asString()));

		assertThat(ids(first)).hasSize(2);
		assertThat(ids(second)).hasSize(2).doesNotContainAnyElementsOf(ids(first));
		assertThat(second.get("next").isNull()).isTrue();
	}

	// --- one request

	@Test
	void oneRequestSaysWhichSecretBodyFieldsItsPreviewsHaveReplaced() {
		Response answered = this.gateway.send("POST", "/channels/echo/echo",
				"{\"password\":\"hunter2\"}".getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json");
		this.recorded.awaitOutcome(answered.requestId());

		JsonNode event = json(this.management.get("/history/api/requests/" + answered.requestId())).get("event");

		assertThat(event.get("request_body").get("preview").asString()).isEqualTo("{\"password\":\"[REDACTED]\"}");
		// The whole body was received: the longer redacted preview is not taken for a cut
		// one.
		assertThat(event.get("request_body").get("truncated").asBoolean()).isFalse();
		assertThat(event.get("redactions").get("request").get("received_bytes").asInt()).isEqualTo(22);
		assertThat(event.get("redactions").get("request").get("fields").get("password").asInt()).isEqualTo(1);
		assertThat(event.get("redactions").get("response").get("fields").get("password").asInt()).isEqualTo(1);
	}

	@Test
	void oneRequestShowsEveryRecordedFieldWithUtf8PreviewsAsText() {
		String text = "{\"greeting\":\"grüß dich ✓ 😀\"}";

		Response answered = this.gateway.send("POST", "/channels/echo/echo?lang=de",
				text.getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json", "X-Repeat", "one",
				"X-Repeat", "two");
		UUID id = answered.requestId();
		RecordedRequests.Recorded stored = this.recorded.awaitOutcome(id);
		JsonNode request = json(this.management.get("/history/api/requests/" + id));

		assertThat(request.get("id").asString()).isEqualTo(id.toString());
		assertThat(request.get("channel_id").asString()).isEqualTo("echo");
		assertThat(request.get("state").asString()).isEqualTo("success");
		assertThat(request.get("client_identity").asString()).isEqualTo("127.0.0.1");
		assertThat(request.get("started_at").asString())
			.isEqualTo(((java.sql.Timestamp) stored.request().get("started_at")).toInstant().toString());
		assertThat(request.get("completed_at").isNull()).isFalse();
		assertThat(request.get("owner").asString()).isEqualTo(stored.request().get("owner"));
		// the channel's definition in force, as the gateway recorded it
		assertThat(request.get("channel_snapshot_id").asString())
			.isEqualTo(String.valueOf(stored.request().get("channel_snapshot_id")));
		JsonNode snapshot = request.get("snapshot");
		assertThat(snapshot.get("id").asString()).isEqualTo(request.get("channel_snapshot_id").asString());
		assertThat(snapshot.get("channel_id").asString()).isEqualTo("echo");
		assertThat(snapshot.get("config_hash").asString()).hasSize(64);
		assertThat(snapshot.get("definition").get("id").asString()).isEqualTo("echo");
		assertThat(snapshot.get("definition").get("uri").asString()).isEqualTo(TestChannels.SINK.url());
		JsonNode event = request.get("event");
		assertThat(event.get("id").asString()).isEqualTo(stored.event().get("id").toString());
		assertThat(event.get("type").asString()).isEqualTo("sink_response");
		assertThat(event.get("request_method").asString()).isEqualTo("POST");
		assertThat(event.get("request_path").asString()).isEqualTo("/channels/echo/echo");
		assertThat(event.get("request_query").asString()).isEqualTo("lang=de");
		assertThat(event.get("sink_url").asString()).endsWith("/echo?lang=de");
		assertThat(event.get("response_status").asInt()).isEqualTo(200);
		assertThat(event.get("latency_ms").asInt()).isEqualTo(stored.event().get("latency_ms"));
		assertThat(event.get("ttfb_ms").asInt()).isEqualTo(stored.event().get("ttfb_ms"));
		assertThat(event.get("reused_connection").asBoolean()).isEqualTo(stored.event().get("reused_connection"));
		assertThat(event.get("connect_us").isNull() ? null : event.get("connect_us").asLong())
			.isEqualTo(stored.event().get("connect_us"));
		assertThat(event.get("request_sent_us").asLong()).isEqualTo(stored.event().get("request_sent_us"));
		assertThat(event.get("response_us").asLong()).isEqualTo(stored.event().get("response_us"));
		assertThat(event.get("error_message").isNull()).isTrue();
		assertThat(event.get("inserted_at").isNull()).isFalse();
		assertThat(event.get("wiped_at").isNull()).isTrue();
		assertThat(event.get("redactions").isObject()).isTrue();
		assertThat(event.get("redactions").isEmpty()).isTrue();
		assertThat(headers(event.get("request_headers"))).contains(List.of("X-Repeat", "one", "text"),
				List.of("X-Repeat", "two", "text"), List.of("Content-Type", "application/json", "text"));
		assertThat(headers(event.get("response_headers")))
			.contains(List.of("Content-Type", "application/json", "text"));
		byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
		for (String body : List.of("request_body", "response_body")) {
			JsonNode preview = event.get(body);
			assertThat(preview.get("preview").asString()).as(body).isEqualTo(text);
			assertThat(preview.get("preview_encoding").asString()).isEqualTo("utf-8");
			assertThat(preview.get("preview_bytes").asInt()).isEqualTo(bytes.length);
			assertThat(preview.get("size").asLong()).isEqualTo(bytes.length);
			assertThat(preview.get("sha256").asString()).isEqualTo(TestBodies.sha256(bytes));
			assertThat(preview.get("truncated").asBoolean()).isFalse();
		}
	}

	@Test
	void binaryPreviewsAreBase64() {
		byte[] body = { 'o', 'k', (byte) 0xff, (byte) 0xfe, 0, (byte) 0xc3 };

		UUID id = this.gateway.send("POST", "/channels/echo/echo", body).requestId();
		this.recorded.awaitOutcome(id);
		JsonNode event = json(this.management.get("/history/api/requests/" + id)).get("event");

		for (String name : List.of("request_body", "response_body")) {
			JsonNode preview = event.get(name);
			assertThat(preview.get("preview_encoding").asString()).isEqualTo("base64");
			assertThat(Base64.getDecoder().decode(preview.get("preview").asString())).isEqualTo(body);
			assertThat(preview.get("truncated").asBoolean()).isFalse();
		}
	}

	@Test
	void aBodyLongerThanItsPreviewIsFlaggedTruncated() {
		byte[] body = "0123456789abcdef".repeat(70_000 / 16).getBytes(StandardCharsets.US_ASCII);

		UUID id = this.gateway.send("POST", "/channels/echo/echo", body).requestId();
		this.recorded.awaitOutcome(id);
		JsonNode preview = json(this.management.get("/history/api/requests/" + id)).get("event").get("request_body");

		assertThat(preview.get("size").asLong()).isEqualTo(body.length);
		assertThat(preview.get("preview_bytes").asInt()).isEqualTo(65536);
		assertThat(preview.get("truncated").asBoolean()).isTrue();
		assertThat(preview.get("preview_encoding").asString()).isEqualTo("utf-8");
		assertThat(preview.get("preview").asString()).isEqualTo(new String(body, 0, 65536, StandardCharsets.US_ASCII));
	}

	@Test
	void aTextPreviewCutInsideACharacterStaysText() {
		// "a" then two-byte characters: the 64 KiB preview ends on the first byte of one.
		String text = "a" + "é".repeat(40_000);

		UUID id = this.gateway.send("POST", "/channels/echo/echo", text.getBytes(StandardCharsets.UTF_8)).requestId();
		this.recorded.awaitOutcome(id);
		JsonNode preview = json(this.management.get("/history/api/requests/" + id)).get("event").get("request_body");

		assertThat(preview.get("truncated").asBoolean()).isTrue();
		assertThat(preview.get("preview_bytes").asInt()).isEqualTo(65536);
		assertThat(preview.get("preview_encoding").asString()).isEqualTo("utf-8");
		assertThat(preview.get("preview").asString()).isEqualTo("a" + "é".repeat(32_767));
	}

	@Test
	void aChannelWithShortPreviewsShowsThemTruncated() {
		String text = "forty bytes of text, longer than sixteen";

		UUID id = this.gateway.send("POST", "/channels/discreet/echo", text.getBytes(StandardCharsets.US_ASCII))
			.requestId();
		this.recorded.awaitOutcome(id);
		JsonNode preview = json(this.management.get("/history/api/requests/" + id)).get("event").get("request_body");

		assertThat(preview.get("size").asLong()).isEqualTo(text.length());
		assertThat(preview.get("preview_bytes").asInt()).isEqualTo(TestChannels.DISCREET_PREVIEW_BYTES);
		assertThat(preview.get("preview").asString()).isEqualTo(text.substring(0, TestChannels.DISCREET_PREVIEW_BYTES));
		assertThat(preview.get("truncated").asBoolean()).isTrue();
	}

	@Test
	void aPendingRequestHasNoEvent() {
		UUID id = this.rows.insert(HistoryRows.channel("pending"), "pending", HistoryRows.window(), null, null);

		JsonNode request = json(this.management.get("/history/api/requests/" + id));

		assertThat(request.get("state").asString()).isEqualTo("pending");
		assertThat(request.get("event").isNull()).isTrue();
		assertThat(request.get("completed_at").isNull()).isTrue();
	}

	@Test
	void aWipedEventShowsItsWipeWithEmptyPreviewsAndNullHeaderValues() {
		UUID id = HistoryRows.newId();
		String channel = HistoryRows.channel("wiped");
		Instant started = HistoryRows.window();
		this.rows.insert(id, channel, "failed", started, 500, 7);
		String nul = Base64.getEncoder().encodeToString("X-Nul".getBytes(StandardCharsets.ISO_8859_1));
		this.rows.jdbc()
			.sql("""
					UPDATE channel_events SET request_body_preview = ''::bytea, response_body_preview = ''::bytea,
					    request_body_size = 100, request_body_hash = ?, response_body_size = 0,
					    request_headers = ?::jsonb, response_headers = '[["Content-Type", null]]', wiped_at = ?
					WHERE channel_request_id = ?""")
			.params("a".repeat(64), "[[\"Accept\", null], [\"" + nul + "\", null, \"base64\"]]",
					HistoryRows.time(started.plusSeconds(86400)), id)
			.update();

		JsonNode event = json(this.management.get("/history/api/requests/" + id)).get("event");

		assertThat(event.get("wiped_at").asString()).isEqualTo(started.plusSeconds(86400).toString());
		assertThat(event.get("response_status").asInt()).isEqualTo(500);
		assertThat(event.get("latency_ms").asInt()).isEqualTo(7);
		JsonNode requestHeaders = event.get("request_headers");
		assertThat(requestHeaders.get(0).get("name").asString()).isEqualTo("Accept");
		assertThat(requestHeaders.get(0).get("value").isNull()).isTrue();
		assertThat(requestHeaders.get(0).get("encoding").asString()).isEqualTo("text");
		assertThat(requestHeaders.get(1).get("name").asString()).isEqualTo(nul);
		assertThat(requestHeaders.get(1).get("value").isNull()).isTrue();
		assertThat(requestHeaders.get(1).get("encoding").asString()).isEqualTo("base64");
		assertThat(event.get("response_headers").get(0).get("value").isNull()).isTrue();
		JsonNode requestBody = event.get("request_body");
		assertThat(requestBody.get("preview").asString()).isEmpty();
		assertThat(requestBody.get("preview_bytes").asInt()).isZero();
		assertThat(requestBody.get("size").asLong()).isEqualTo(100);
		assertThat(requestBody.get("sha256").asString()).isEqualTo("a".repeat(64));
		assertThat(requestBody.get("truncated").asBoolean()).isTrue();
		assertThat(event.get("response_body").get("truncated").asBoolean()).isFalse();
	}

	@Test
	void aHeaderStoredAsBase64IsShownAsStored() {
		UUID id = HistoryRows.newId();
		this.rows.insert(id, HistoryRows.channel("nul"), "success", HistoryRows.window(), 200, 3);
		String name = Base64.getEncoder().encodeToString("X-Nul".getBytes(StandardCharsets.ISO_8859_1));
		String value = Base64.getEncoder().encodeToString("a\0b\u00e9".getBytes(StandardCharsets.ISO_8859_1));
		this.rows.jdbc()
			.sql("UPDATE channel_events SET request_headers = ?::jsonb WHERE channel_request_id = ?")
			.params("[[\"Host\", \"example\"], [\"" + name + "\", \"" + value + "\", \"base64\"]]", id)
			.update();

		JsonNode headers = json(this.management.get("/history/api/requests/" + id)).get("event").get("request_headers");

		assertThat(headers(headers)).containsExactly(List.of("Host", "example", "text"),
				List.of(name, value, "base64"));
	}

	@Test
	void anErrorEventWithoutAResponseHasNoResponseBody() {
		Response refused = this.gateway.get("/channels/refused/nothing-here");
		UUID id = refused.requestId();
		this.recorded.awaitOutcome(id);

		JsonNode event = json(this.management.get("/history/api/requests/" + id)).get("event");

		assertThat(event.get("type").asString()).isEqualTo("error");
		assertThat(event.get("response_status").isNull()).isTrue();
		assertThat(event.get("response_headers").isNull()).isTrue();
		assertThat(event.get("response_body").isNull()).isTrue();
		assertThat(event.get("error_message").asString()).contains("refused");
		assertThat(event.get("request_body").get("size").asLong()).isZero();
	}

	@Test
	void theSnapshotInForceIsShownWithItsDefinition() {
		UUID snapshot = UUID.randomUUID();
		String channel = HistoryRows.channel("snapshot");
		String hash = TestBodies.sha256(snapshot.toString().getBytes(StandardCharsets.US_ASCII));
		this.rows.jdbc()
			.sql("""
					INSERT INTO channel_snapshots (id, channel_id, config_hash, definition, created_at)
					VALUES (?, ?, ?, ?::jsonb, ?)""")
			.params(snapshot, channel, hash,
					"{\"id\": \"" + channel
							+ "\", \"uri\": \"https://sink.example\", \"filters\": [\"StripPrefix=2\"]}",
					HistoryRows.time(Instant.parse("2020-02-02T02:02:02Z")))
			.update();
		UUID id = this.rows.insert(channel, "success", HistoryRows.window(), 200, 3);
		this.rows.jdbc()
			.sql("UPDATE channel_requests SET channel_snapshot_id = ? WHERE id = ?")
			.params(snapshot, id)
			.update();
		UUID without = this.rows.insert(channel, "success", HistoryRows.window(), 200, 3);

		JsonNode request = json(this.management.get("/history/api/requests/" + id));
		JsonNode before = json(this.management.get("/history/api/requests/" + without));

		assertThat(request.get("channel_snapshot_id").asString()).isEqualTo(snapshot.toString());
		JsonNode shown = request.get("snapshot");
		assertThat(shown.get("id").asString()).isEqualTo(snapshot.toString());
		assertThat(shown.get("channel_id").asString()).isEqualTo(channel);
		assertThat(shown.get("config_hash").asString()).isEqualTo(hash);
		assertThat(shown.get("created_at").asString()).isEqualTo("2020-02-02T02:02:02Z");
		assertThat(shown.get("definition").get("uri").asString()).isEqualTo("https://sink.example");
		assertThat(shown.get("definition").get("filters").get(0).asString()).isEqualTo("StripPrefix=2");
		assertThat(before.get("channel_snapshot_id").isNull()).isTrue();
		assertThat(before.get("snapshot").isNull()).isTrue();
		assertThat(request.get("snapshot_is_current").asBoolean()).isTrue();
		assertThat(request.get("current_snapshot").get("id").asString()).isEqualTo(snapshot.toString());
		assertThat(before.get("snapshot_is_current").isNull()).isTrue();
	}

	@Test
	void aRequestThroughAnOlderDefinitionSaysTheChannelChangedSince() {
		String channel = HistoryRows.channel("changed");
		UUID older = snapshot(channel, "2020-02-02T02:02:02Z");
		UUID newer = snapshot(channel, "2021-03-03T03:03:03Z");
		UUID before = this.rows.insert(channel, "success", HistoryRows.window(), 200, 3);
		UUID after = this.rows.insert(channel, "success", HistoryRows.window(), 200, 3);
		this.rows.jdbc()
			.sql("UPDATE channel_requests SET channel_snapshot_id = ? WHERE id = ?")
			.params(older, before)
			.update();
		this.rows.jdbc()
			.sql("UPDATE channel_requests SET channel_snapshot_id = ? WHERE id = ?")
			.params(newer, after)
			.update();

		JsonNode changed = json(this.management.get("/history/api/requests/" + before));
		JsonNode current = json(this.management.get("/history/api/requests/" + after));

		assertThat(changed.get("snapshot_is_current").asBoolean()).isFalse();
		assertThat(changed.get("current_snapshot").get("id").asString()).isEqualTo(newer.toString());
		assertThat(changed.get("current_snapshot").get("created_at").asString()).isEqualTo("2021-03-03T03:03:03Z");
		assertThat(changed.get("current_snapshot").get("in_force_at").asString()).isEqualTo("2021-03-03T03:03:03Z");
		assertThat(current.get("snapshot_is_current").asBoolean()).isTrue();
	}

	@Test
	void aChannelBackOnAnEarlierDefinitionMakesThatDefinitionCurrentAgain() {
		String id = HistoryRows.channel("returning");
		RouteDefinition a = TestRoutes.definition(id, TestChannels.SINK.url(), Map.of());
		RouteDefinition b = TestRoutes.definition(id, TestChannels.SINK.url(), Map.of(),
				"AddRequestHeader=X-Version, b");
		TestRoutes.saveAndRefresh(this.context, a);
		UUID firstThroughA = throughChannel(id);
		TestRoutes.saveAndRefresh(this.context, b);
		UUID throughB = throughChannel(id);

		TestRoutes.saveAndRefresh(this.context, a);
		UUID againThroughA = throughChannel(id);

		JsonNode first = json(this.management.get("/history/api/requests/" + firstThroughA));
		JsonNode again = json(this.management.get("/history/api/requests/" + againThroughA));
		JsonNode changed = json(this.management.get("/history/api/requests/" + throughB));
		String snapshotOfA = again.get("channel_snapshot_id").asString();
		assertThat(first.get("channel_snapshot_id").asString()).isEqualTo(snapshotOfA);
		assertThat(changed.get("channel_snapshot_id").asString()).isNotEqualTo(snapshotOfA);
		assertThat(again.get("snapshot_is_current").asBoolean()).isTrue();
		assertThat(first.get("snapshot_is_current").asBoolean()).isTrue();
		assertThat(changed.get("snapshot_is_current").asBoolean()).isFalse();
		assertThat(changed.get("current_snapshot").get("id").asString()).isEqualTo(snapshotOfA);
		// A's row is the one written first, and in force since the return to it.
		JsonNode current = again.get("current_snapshot");
		assertThat(Instant.parse(current.get("in_force_at").asString()))
			.isAfter(Instant.parse(current.get("created_at").asString()));
		assertThat(this.rows.jdbc()
			.sql("SELECT count(*) FROM channel_snapshots WHERE channel_id = ?")
			.param(id)
			.query(Long.class)
			.single()).isEqualTo(2);
	}

	// A request through the channel, once its outcome is written.
	private UUID throughChannel(String channel) {
		Response response = this.gateway.get("/channels/" + channel + "/status/200");
		assertThat(response.status()).isEqualTo(200);
		UUID id = response.requestId();
		this.recorded.awaitOutcome(id);
		return id;
	}

	// Written and in force at that instant, as no gateway would: for exact comparisons.
	private UUID snapshot(String channel, String createdAt) {
		UUID id = UUID.randomUUID();
		this.rows.jdbc()
			.sql("""
					INSERT INTO channel_snapshots (id, channel_id, config_hash, definition, created_at, in_force_at)
					VALUES (?, ?, ?, ?::jsonb, ?, ?)""")
			.params(id, channel, TestBodies.sha256(id.toString().getBytes(StandardCharsets.US_ASCII)),
					"{\"id\": \"" + channel + "\"}", HistoryRows.time(Instant.parse(createdAt)),
					HistoryRows.time(Instant.parse(createdAt)))
			.update();
		return id;
	}

	@Test
	void anUnknownRequestIs404() {
		Response response = this.management.get("/history/api/requests/" + UUID.randomUUID());

		assertThat(response.status()).isEqualTo(404);
		assertThat(json(response).get("error").asString()).isEqualTo("not_found");
	}

	// --- bad input

	@ParameterizedTest(name = "{0}")
	@CsvSource(delimiter = '|', value = { "/history/api/requests/not-a-uuid|id",
			"/history/api/requests/0190a0b0-0000-7000-8000-00000000000|id", "/history/api/requests/1-2-3-4-5|id",
			"/history/api/requests?state=done|state", "/history/api/requests?state=SUCCESS|state",
			"/history/api/requests?from=yesterday|from", "/history/api/requests?to=2026-01-01|to",
			"/history/api/requests?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z|to",
			"/history/api/requests?limit=0|limit", "/history/api/requests?limit=501|limit",
			"/history/api/requests?limit=ten|limit", "/history/api/requests?status=99|status",
			"/history/api/requests?status=600|status", "/history/api/requests?status=2xx|status",
			"/history/api/requests?cursor=bm9wZQ|cursor", "/history/api/requests?cursor=%21%21|cursor",
			"/history/api/requests?state=failed&state=error|state",
			"/history/api/requests?client_auth=a&client_auth=b|client_auth",
			"/history/api/channels/echo/summary?from=soon|from",
			"/history/api/channels/echo/summary?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z|to",
			"/history/api/channels/echo/buckets?bucket=5x|bucket",
			"/history/api/channels/echo/buckets?bucket=0m|bucket",
			"/history/api/channels/echo/buckets?bucket=PT0.5S|bucket",
			"/history/api/channels/echo/buckets?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z|to" })
	void invalidInputIs400NamingTheParameter(String path, String parameter) {
		Response response = this.management.get(path);

		assertThat(response.status()).isEqualTo(400);
		JsonNode error = json(response);
		assertThat(error.get("error").asString()).isEqualTo("invalid_parameter");
		assertThat(error.get("parameter").asString()).isEqualTo(parameter);
		assertThat(error.get("message").asString()).startsWith(parameter + " ");
	}

	@Test
	void theLimitsOfLimitAreAccepted() {
		assertThat(this.management.get("/history/api/requests?limit=1").status()).isEqualTo(200);
		assertThat(this.management.get("/history/api/requests?limit=500").status()).isEqualTo(200);
		assertThat(json(this.management.get("/history/api/requests?limit=1")).get("requests")).hasSize(1);
	}

	// --- the summary

	@Test
	void summaryCountsStatesAndTakesLatencyPercentilesOverTheLastHour() {
		String channel = HistoryRows.channel("summary");
		Instant now = HistoryRows.now();
		// latencies 1..100 ms: p50 = 50, p95 = 95 (nearest rank: a latency a request had)
		for (int latency = 1; latency <= 100; latency++) {
			String state = (latency % 10 == 0) ? "failed" : (latency % 25 == 0) ? "timeout" : "success";
			this.rows.insert(channel, state, now.minusSeconds(30 + latency), state.equals("failed") ? 500 : 200,
					latency);
		}
		this.rows.insert(channel, "pending", now.minusSeconds(5), null, null);
		// outside the hour
		this.rows.insert(channel, "success", now.minusSeconds(3700), 200, 100_000);

		JsonNode summary = json(this.management.get("/history/api/channels/" + channel + "/summary"));

		assertThat(summary.get("channel_id").asString()).isEqualTo(channel);
		assertThat(summary.get("total").asLong()).isEqualTo(101);
		JsonNode states = summary.get("states");
		assertThat(states.get("success").asLong()).isEqualTo(88);
		assertThat(states.get("failed").asLong()).isEqualTo(10);
		assertThat(states.get("timeout").asLong()).isEqualTo(2);
		assertThat(states.get("pending").asLong()).isEqualTo(1);
		assertThat(states.get("error").asLong()).isZero();
		JsonNode latency = summary.get("latency_ms");
		assertThat(latency.get("count").asLong()).isEqualTo(100);
		assertThat(latency.get("p50").asInt()).isEqualTo(50);
		assertThat(latency.get("p95").asInt()).isEqualTo(95);
		Instant to = Instant.parse(summary.get("to").asString());
		assertThat(Instant.parse(summary.get("from").asString())).isEqualTo(to.minusSeconds(3600));
		assertThat(to).isBetween(now, Instant.now());
	}

	@Test
	void summaryOfAGivenWindowCountsOnlyThatWindow() {
		String channel = HistoryRows.channel("summary-window");
		Instant start = HistoryRows.window();
		this.rows.insert(channel, "success", start, 200, 10);
		this.rows.insert(channel, "error", start.plusSeconds(10), null, 30);
		// at "to": excluded
		this.rows.insert(channel, "success", start.plusSeconds(20), 200, 1000);

		JsonNode summary = json(this.management
			.get("/history/api/channels/" + channel + "/summary?from=" + start + "&to=" + start.plusSeconds(20)));
		JsonNode empty = json(this.management
			.get("/history/api/channels/" + channel + "/summary?from=" + start.minusSeconds(60) + "&to=" + start));

		assertThat(summary.get("total").asLong()).isEqualTo(2);
		assertThat(summary.get("states").get("error").asLong()).isEqualTo(1);
		assertThat(summary.get("latency_ms").get("p50").asInt()).isEqualTo(10);
		assertThat(summary.get("latency_ms").get("p95").asInt()).isEqualTo(30);
		assertThat(empty.get("total").asLong()).isZero();
		assertThat(empty.get("latency_ms").get("p50").isNull()).isTrue();
	}

	// --- the buckets of the charts

	@Test
	void bucketsCountStatesAndTakeLatencyPercentilesPerBucket() {
		String channel = HistoryRows.channel("buckets");
		Instant start = HistoryRows.window();
		// First minute: latencies 1..20 ms, every fifth failed: p50 = 10, p95 = 19.
		for (int latency = 1; latency <= 20; latency++) {
			String state = (latency % 5 == 0) ? "failed" : "success";
			this.rows.insert(channel, state, start.plusSeconds(latency), state.equals("failed") ? 503 : 200, latency);
		}
		// Second minute: nothing. Third: a timeout of 300 ms, a pending one, an error of
		// 100.
		this.rows.insert(channel, "timeout", start.plusSeconds(120), null, 300);
		this.rows.insert(channel, "pending", start.plusSeconds(150), null, null);
		this.rows.insert(channel, "error", start.plusSeconds(179), null, 100);
		// at "to"
		this.rows.insert(channel, "success", start.plusSeconds(180), 200, 5000);

		JsonNode answer = json(this.management.get("/history/api/channels/" + channel + "/buckets?from=" + start
				+ "&to=" + start.plusSeconds(180) + "&bucket=1m"));

		assertThat(answer.get("channel_id").asString()).isEqualTo(channel);
		assertThat(answer.get("bucket").asString()).isEqualTo("PT1M");
		assertThat(answer.get("bucket_seconds").asLong()).isEqualTo(60);
		JsonNode buckets = answer.get("buckets");
		assertThat(buckets).hasSize(3);
		assertThat(Instant.parse(buckets.get(0).get("start").asString())).isEqualTo(start);
		assertThat(Instant.parse(buckets.get(2).get("start").asString())).isEqualTo(start.plusSeconds(120));
		JsonNode first = buckets.get(0);
		assertThat(first.get("total").asLong()).isEqualTo(20);
		assertThat(first.get("states").get("success").asLong()).isEqualTo(16);
		assertThat(first.get("states").get("failed").asLong()).isEqualTo(4);
		assertThat(first.get("latency_ms").get("p50").asInt()).isEqualTo(10);
		assertThat(first.get("latency_ms").get("p95").asInt()).isEqualTo(19);
		JsonNode empty = buckets.get(1);
		assertThat(empty.get("total").asLong()).isZero();
		assertThat(empty.get("latency_ms").get("count").asLong()).isZero();
		assertThat(empty.get("latency_ms").get("p50").isNull()).isTrue();
		JsonNode third = buckets.get(2);
		assertThat(third.get("total").asLong()).isEqualTo(3);
		assertThat(third.get("states").get("timeout").asLong()).isEqualTo(1);
		assertThat(third.get("states").get("pending").asLong()).isEqualTo(1);
		assertThat(third.get("states").get("error").asLong()).isEqualTo(1);
		assertThat(third.get("latency_ms").get("count").asLong()).isEqualTo(2);
		assertThat(third.get("latency_ms").get("p50").asInt()).isEqualTo(100);
		assertThat(third.get("latency_ms").get("p95").asInt()).isEqualTo(300);
	}

	@Test
	void bucketsEndAtToAndTheirWidthIsChosenFromTheWindow() {
		String channel = HistoryRows.channel("buckets-width");
		Instant start = HistoryRows.window();
		this.rows.insert(channel, "success", start.plusSeconds(7 * 3600), 200, 10);

		JsonNode hour = json(this.management
			.get("/history/api/channels/" + channel + "/buckets?from=" + start + "&to=" + start.plusSeconds(3600)));
		JsonNode day = json(this.management
			.get("/history/api/channels/" + channel + "/buckets?from=" + start + "&to=" + start.plusSeconds(86400)));
		JsonNode partial = json(this.management.get("/history/api/channels/" + channel + "/buckets?from=" + start
				+ "&to=" + start.plusSeconds(150) + "&bucket=PT1M"));

		assertThat(hour.get("bucket").asString()).isEqualTo("PT1M");
		assertThat(hour.get("buckets")).hasSize(60);
		assertThat(day.get("bucket").asString()).isEqualTo("PT5M");
		assertThat(day.get("buckets")).hasSize(288);
		assertThat(day.get("buckets").get(84).get("total").asLong()).isEqualTo(1);
		assertThat(partial.get("buckets")).hasSize(3);
	}

	@Test
	void aBucketWidthThatMakesTooManyBucketsIs400() {
		Response response = this.management
			.get("/history/api/channels/echo/buckets?from=2026-01-01T00:00:00Z" + "&to=2026-01-02T00:00:00Z&bucket=1s");

		assertThat(response.status()).isEqualTo(400);
		assertThat(json(response).get("parameter").asString()).isEqualTo("bucket");
	}

	// --- where it is served

	@Test
	void theApiIsServedOnTheManagementPortAndNotOnTheGatewayPort() {
		assertThat(this.port).isNotEqualTo(this.managementPort);

		assertThat(this.management.get("/history/api/requests?limit=1").status()).isEqualTo(200);
		assertThat(this.management.get("/history/api/channels/echo/summary").status()).isEqualTo(200);
		assertThat(this.gateway.get("/history/api/requests?limit=1").status()).isEqualTo(404);
		assertThat(this.gateway.get("/history/api/requests/" + UUID.randomUUID()).status()).isEqualTo(404);
		assertThat(this.gateway.get("/history/api/channels/echo/summary").status()).isEqualTo(404);
		assertThat(this.gateway.get("/history/api/channels/echo/buckets").status()).isEqualTo(404);
	}

	@Test
	void answersAreJsonAndNotCached() {
		Response response = this.management.get("/history/api/requests?limit=1");

		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
		assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
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

	private static JsonNode find(JsonNode page, UUID id) {
		for (JsonNode item : page.get("requests")) {
			if (item.get("id").asString().equals(id.toString())) {
				return item;
			}
		}
		throw new AssertionError(id + " is not on the page: " + page);
	}

	private static List<List<String>> headers(JsonNode headers) {
		List<List<String>> pairs = new ArrayList<>();
		headers.forEach((header) -> pairs.add(java.util.Arrays.asList(header.get("name").asString(),
				header.get("value").isNull() ? null : header.get("value").asString(),
				header.get("encoding").asString())));
		return pairs;
	}

}
