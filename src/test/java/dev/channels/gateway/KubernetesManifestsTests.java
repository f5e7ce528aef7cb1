package dev.channels.gateway;

import java.io.File;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import dev.channels.gateway.support.GatewayClient;
import dev.channels.gateway.support.GatewayIntegrationTest;

import org.springframework.boot.test.web.server.LocalManagementPort;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The kustomize base in {@code deploy/k8s} read as YAML (no cluster, no kubectl needed)
 * and checked against the application it deploys: the ports are the ones the application
 * listens on, the probes ask endpoints it really serves, the settings reach it, and the
 * grace period covers its shutdown. Where kubectl is installed, the base and the overlay
 * are also rendered with {@code kubectl kustomize}.
 */
class KubernetesManifestsTests extends GatewayIntegrationTest {

	private static final Path BASE = Path.of("deploy/k8s/base");

	private static final Path PRODUCTION = Path.of("deploy/k8s/overlays/production");

	@LocalManagementPort
	private int managementPort;

	@Test
	void everyFileTheKustomizationsNameExists() throws IOException {
		for (Path directory : List.of(BASE, PRODUCTION)) {
			Map<String, Object> kustomization = load(directory.resolve("kustomization.yaml"));
			List<String> files = new ArrayList<>();
			files.addAll(list(kustomization, "resources"));
			for (Object generator : list(kustomization, "configMapGenerator")) {
				files.addAll(list(map(generator), "files"));
			}
			for (Object generator : list(kustomization, "secretGenerator")) {
				files.addAll(list(map(generator), "envs"));
			}
			for (Object patch : list(kustomization, "patches")) {
				files.add((String) map(patch).get("path"));
			}
			assertThat(files).isNotEmpty()
				.allSatisfy((file) -> assertThat(directory.resolve(file)).as("%s in %s", file, directory).exists());
		}
	}

	@Test
	void portsAreTheOnesTheApplicationListensOn() throws IOException {
		Map<String, Object> settings = load(Path.of("src/main/resources/application.yml"));
		Map<String, Integer> ports = containerPorts();

		assertThat(ports).containsEntry("http", (Integer) map(settings.get("server")).get("port"))
			.containsEntry("management", (Integer) map(map(settings.get("management")).get("server")).get("port"));
		Map<String, Object> servicePort = map(list(spec(load(BASE.resolve("service.yaml"))), "ports").get(0));
		assertThat(servicePort).containsEntry("port", 8080).containsEntry("targetPort", "http");
	}

	@Test
	void probesAskEndpointsTheManagementPortServes() {
		Map<String, Object> container = container();
		GatewayClient management = new GatewayClient(this.managementPort);

		for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
			Map<String, Object> httpGet = map(map(container.get(probe)).get("httpGet"));
			assertThat(httpGet.get("port")).as(probe).isEqualTo("management");
			String path = (String) httpGet.get("path");
			assertThat(management.get(path).status()).as("%s %s", probe, path).isEqualTo(200);
		}
		assertThat(map(map(container.get("livenessProbe")).get("httpGet"))).containsEntry("path",
				"/actuator/health/liveness");
		assertThat(map(map(container.get("readinessProbe")).get("httpGet"))).containsEntry("path",
				"/actuator/health/readiness");
	}

	@Test
	void settingsReachTheApplication() throws IOException {
		Map<String, Object> container = container();
		Map<String, Object> pod = podSpec();
		Map<String, Object> kustomization = load(BASE.resolve("kustomization.yaml"));

		// The routes file is mounted where Spring Boot is told to look for more
		// configuration.
		Map<String, String> env = list(container, "env").stream()
			.map(KubernetesManifestsTests::map)
			.collect(Collectors.toMap((variable) -> (String) variable.get("name"),
					(variable) -> (String) variable.get("value")));
		Map<String, Object> configMount = list(container, "volumeMounts").stream()
			.map(KubernetesManifestsTests::map)
			.filter((mount) -> "config".equals(mount.get("name")))
			.findFirst()
			.orElseThrow();
		assertThat(env.get("SPRING_CONFIG_ADDITIONAL_LOCATION")).endsWith("file:" + configMount.get("mountPath") + "/");
		Map<String, Object> configVolume = list(pod, "volumes").stream()
			.map(KubernetesManifestsTests::map)
			.filter((volume) -> "config".equals(volume.get("name")))
			.findFirst()
			.orElseThrow();
		assertThat(map(configVolume.get("configMap")).get("name"))
			.isEqualTo(map(list(kustomization, "configMapGenerator").get(0)).get("name"));
		// The routes are where Gateway 5 reads them (it ignores the old prefix silently).
		Map<String, Object> routesFile = load(BASE.resolve("application.yml"));
		Object routes = map(
				map(map(map(map(routesFile.get("spring")).get("cloud")).get("gateway")).get("server")).get("webflux"))
			.get("routes");
		assertThat((List<?>) routes).isNotEmpty()
			.allSatisfy((route) -> assertThat(map(route)).containsKeys("id", "uri", "predicates"));
		// The database settings come from the Secret, as the variables Spring Boot binds.
		Map<String, Object> secretRef = map(map(list(container, "envFrom").get(0)).get("secretRef"));
		assertThat(secretRef.get("name")).isEqualTo(map(list(kustomization, "secretGenerator").get(0)).get("name"));
		for (Path directory : List.of(BASE, PRODUCTION)) {
			assertThat(Files.readAllLines(directory.resolve("database.env"))
				.stream()
				.filter((line) -> !line.isBlank())
				.map((line) -> line.substring(0, line.indexOf('='))))
				.containsExactlyInAnyOrder("SPRING_R2DBC_URL", "SPRING_R2DBC_USERNAME", "SPRING_R2DBC_PASSWORD");
		}
	}

	@Test
	void productionChannelsRequireClientCredentialsAndTakeEverySecretFromTheAccessSecret() throws IOException {
		Map<String, Object> production = load(PRODUCTION.resolve("application.yml"));
		List<?> routes = (List<?>) map(
				map(map(map(map(production.get("spring")).get("cloud")).get("gateway")).get("server")).get("webflux"))
			.get("routes");
		String text = Files.readString(PRODUCTION.resolve("application.yml"));
		Set<String> variables = new HashSet<>();
		Matcher placeholder = Pattern.compile("\\$\\{([A-Z0-9_]+)}").matcher(text);
		while (placeholder.find()) {
			variables.add(placeholder.group(1));
		}
		Set<String> defined = new HashSet<>();
		for (String file : List.of("access.env", "database.env")) {
			Files.readAllLines(PRODUCTION.resolve(file))
				.stream()
				.filter((line) -> !line.isBlank() && !line.startsWith("#"))
				.forEach((line) -> defined.add(line.substring(0, line.indexOf('='))));
		}
		List<String> secretsMounted = list(container(), "envFrom").stream()
			.map((source) -> (String) map(map(source).get("secretRef")).get("name"))
			.toList();

		assertThat(map(map(production.get("channels")).get("access"))).containsEntry("require-client-auth", true);
		assertThat(routes).isNotEmpty()
			.allSatisfy((route) -> assertThat(map(map(route).get("metadata"))).containsKey("client-auth"));
		assertThat(variables).isNotEmpty();
		assertThat(defined).containsAll(variables);
		assertThat(secretsMounted).containsExactlyInAnyOrder("channels-database", "channels-access");
		assertThat(KubernetesManifestsTests.<Object>list(load(BASE.resolve("kustomization.yaml")), "secretGenerator")
			.stream()
			.map((generator) -> map(generator).get("name"))).containsExactlyInAnyOrderElementsOf(secretsMounted);
	}

	@Test
	void theGracePeriodCoversTheGatewaysShutdown() throws IOException {
		Map<String, Object> settings = load(Path.of("src/main/resources/application.yml"));
		Duration exchanges = Duration
			.parse("PT" + map(map(settings.get("spring")).get("lifecycle")).get("timeout-per-shutdown-phase"));
		Duration outcomes = Duration.ofSeconds(10); // channels.persistence.shutdown-timeout's
													// default
		List<?> preStop = list(map(map(map(container().get("lifecycle")).get("preStop")).get("exec")), "command");
		Duration preStopSleep = Duration.ofSeconds(Long.parseLong((String) preStop.get(1)));

		int grace = (Integer) podSpec().get("terminationGracePeriodSeconds");

		assertThat(preStop.get(0)).isEqualTo("sleep");
		assertThat(Duration.ofSeconds(grace)).isGreaterThan(preStopSleep.plus(exchanges).plus(outcomes));
	}

	@Test
	void podRunsAsTheImagesNonRootUserWithAReadOnlyRootFilesystem() throws IOException {
		Map<String, Object> podSecurity = map(podSpec().get("securityContext"));
		Map<String, Object> containerSecurity = map(container().get("securityContext"));
		String dockerUser = Files.readAllLines(Path.of("Dockerfile"))
			.stream()
			.filter((line) -> line.startsWith("USER "))
			.findFirst()
			.orElseThrow()
			.substring(5);

		assertThat(podSecurity).containsEntry("runAsNonRoot", true)
			.containsEntry("runAsUser", Integer.parseInt(dockerUser.split(":")[0]));
		assertThat(containerSecurity).containsEntry("readOnlyRootFilesystem", true)
			.containsEntry("allowPrivilegeEscalation", false);
		// The JVM and Netty need somewhere to write.
		assertThat(list(container(), "volumeMounts"))
			.anySatisfy((mount) -> assertThat(map(mount)).containsEntry("mountPath", "/tmp"));
		assertThat(map(container().get("resources"))).containsKeys("requests", "limits");
	}

	@Test
	void autoscalerAndDisruptionBudgetKeepAtLeastTwoAndOneReplicas() throws IOException {
		Map<String, Object> deployment = load(BASE.resolve("deployment.yaml"));
		Map<String, Object> hpa = spec(load(BASE.resolve("hpa.yaml")));

		assertThat(spec(deployment).get("replicas")).isEqualTo(2);
		assertThat(map(hpa.get("scaleTargetRef"))).containsEntry("kind", "Deployment")
			.containsEntry("name", map(deployment.get("metadata")).get("name"));
		assertThat(hpa.get("minReplicas")).isEqualTo(2);
		assertThat(map(map(list(hpa, "metrics").get(0)).get("resource"))).containsEntry("name", "cpu");
		assertThat(spec(load(BASE.resolve("pdb.yaml")))).containsEntry("minAvailable", 1);
	}

	@Test
	void theManagementPortIsOpenOnlyToMonitoringAndOperatorsWhileTheGatewayPortIsOpenToAll() throws IOException {
		Map<String, Object> kustomization = load(BASE.resolve("kustomization.yaml"));
		Map<String, Object> policy = load(BASE.resolve("networkpolicy.yaml"));
		Map<String, Integer> ports = containerPorts();

		assertThat(list(kustomization, "resources")).contains("networkpolicy.yaml");
		assertThat(policy).containsEntry("kind", "NetworkPolicy");
		Map<String, Object> spec = spec(policy);
		assertThat(list(spec, "policyTypes")).containsExactly("Ingress");
		// matchLabels for kustomize to fill with the pods' labels; {} alone would select
		// every pod of the namespace
		assertThat(map(spec.get("podSelector"))).containsKey("matchLabels");
		Map<String, List<Object>> sourcesByPort = new HashMap<>();
		for (Object rule : list(spec, "ingress")) {
			List<Object> from = list(map(rule), "from");
			for (Object port : list(map(rule), "ports")) {
				Object name = map(port).get("port");
				assertThat(ports).as("a port of the container").containsKey((String) name);
				assertThat(sourcesByPort).as("one rule per port").doesNotContainKey((String) name);
				sourcesByPort.put((String) name, from);
			}
		}
		assertThat(sourcesByPort).containsOnlyKeys("http", "management");
		assertThat(sourcesByPort.get("http")).as("clients come from anywhere").isEmpty();
		List<Object> management = sourcesByPort.get("management");
		assertThat(management).hasSize(2);
		Map<String, Object> prometheus = map(management.get(0));
		assertThat(expressions(map(prometheus.get("namespaceSelector"))))
			.containsExactly("kubernetes.io/metadata.name In [monitoring]");
		assertThat(expressions(map(prometheus.get("podSelector"))))
			.containsExactly("app.kubernetes.io/name In [prometheus]");
		Map<String, Object> operators = map(management.get(1));
		assertThat(operators).containsOnlyKeys("podSelector");
		assertThat(expressions(map(operators.get("podSelector")))).containsExactly("channels-operator In [true]");
	}

	// Sources select with matchExpressions: kustomize would add the base's labels to
	// their
	// matchLabels.
	private static List<String> expressions(Map<String, Object> selector) {
		assertThat(selector).containsOnlyKeys("matchExpressions");
		return KubernetesManifestsTests.<Object>list(selector, "matchExpressions")
			.stream()
			.map(KubernetesManifestsTests::map)
			.map((expression) -> expression.get("key") + " " + expression.get("operator") + " "
					+ expression.get("values"))
			.toList();
	}

	@Test
	void productionPatchesTargetWhatTheBaseDefines() throws IOException {
		Map<String, Object> kustomization = load(PRODUCTION.resolve("kustomization.yaml"));
		List<String> baseKinds = new ArrayList<>();
		for (String resource : KubernetesManifestsTests.<String>list(load(BASE.resolve("kustomization.yaml")),
				"resources")) {
			Map<String, Object> document = load(BASE.resolve(resource));
			baseKinds.add(document.get("kind") + "/" + map(document.get("metadata")).get("name"));
		}

		assertThat(list(kustomization, "resources")).contains("../../base");
		for (Object patch : list(kustomization, "patches")) {
			Map<String, Object> document = load(PRODUCTION.resolve((String) map(patch).get("path")));
			assertThat(baseKinds).contains(document.get("kind") + "/" + map(document.get("metadata")).get("name"));
		}
	}

	@Test
	void kubectlRendersTheBaseAndTheOverlayWithGeneratedNamesWired() throws Exception {
		Assumptions.assumeTrue(onPath("kubectl"), "kubectl is not installed; the checks above read the YAML");
		for (Path directory : List.of(BASE, PRODUCTION)) {
			Process kubectl = new ProcessBuilder("kubectl", "kustomize", directory.toString()).redirectErrorStream(true)
				.start();
			String rendered = new String(kubectl.getInputStream().readAllBytes());
			assertThat(kubectl.waitFor()).as(rendered).isZero();
			Map<String, Map<String, Object>> byKind = new HashMap<>();
			for (Object document : new Yaml().loadAll(rendered)) {
				byKind.put((String) map(document).get("kind"), map(document));
			}
			assertThat(byKind).containsOnlyKeys("ConfigMap", "Secret", "Service", "Deployment", "PodDisruptionBudget",
					"HorizontalPodAutoscaler", "NetworkPolicy");
			String configMap = (String) map(byKind.get("ConfigMap").get("metadata")).get("name");
			String secret = (String) map(byKind.get("Secret").get("metadata")).get("name");
			// Generated names carry a content hash, and the Deployment refers to them by
			// it.
			assertThat(configMap).matches("channels-config-[a-z0-9]{10}");
			assertThat(secret).matches("channels-database-[a-z0-9]{10}");
			assertThat(rendered).contains("name: " + configMap + "\n", "name: " + secret + "\n");
			Map<String, Object> template = map(spec(byKind.get("Deployment")).get("template"));
			Map<String, Object> selector = map(map(spec(byKind.get("Service")).get("selector")));
			assertThat(map(map(template.get("metadata")).get("labels"))).containsAllEntriesOf(selector);
			assertThat(selector).isNotEmpty();
			// The NetworkPolicy applies to the Channels pods only, and its sources keep
			// their own selectors.
			Map<String, Object> policy = spec(byKind.get("NetworkPolicy"));
			assertThat(map(map(policy.get("podSelector")).get("matchLabels"))).isEqualTo(selector);
			assertThat(rendered.substring(rendered.indexOf("kind: NetworkPolicy"))).contains("key: channels-operator");
			for (Object rule : list(policy, "ingress")) {
				for (Object source : list(map(rule), "from")) {
					assertThat(map(source).toString()).doesNotContain("matchLabels");
				}
			}
		}
	}

	private static boolean onPath(String command) {
		return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
			.anyMatch((directory) -> Files.isExecutable(Path.of(directory, command)));
	}

	private static Map<String, Integer> containerPorts() {
		return list(container(), "ports").stream()
			.map(KubernetesManifestsTests::map)
			.collect(Collectors.toMap((port) -> (String) port.get("name"),
					(port) -> (Integer) port.get("containerPort")));
	}

	private static Map<String, Object> container() {
		return map(list(podSpec(), "containers").get(0));
	}

	private static Map<String, Object> podSpec() {
		try {
			return spec(map(spec(load(BASE.resolve("deployment.yaml"))).get("template")));
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static Map<String, Object> spec(Map<String, Object> document) {
		return map(document.get("spec"));
	}

	private static Map<String, Object> load(Path file) throws IOException {
		try (Reader reader = Files.newBufferedReader(file)) {
			return new Yaml().load(reader);
		}
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> map(Object value) {
		return (Map<String, Object>) value;
	}

	@SuppressWarnings("unchecked")
	private static <T> List<T> list(Map<String, Object> map, String key) {
		Object value = map.get(key);
		return (value != null) ? (List<T>) value : List.of();
	}

}
