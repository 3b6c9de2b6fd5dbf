package dev.hmd.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.hmd.config.Config;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * k8s/ as Kubernetes would take it: every manifest loads into the fabric8 Kubernetes model with
 * unknown fields refused, the kustomization lists exactly the files there are, and the invariants
 * the service relies on hold (replicas, probes, secrets, image, configuration names).
 */
class KubernetesManifestsTest {

  static final Path K8S = Path.of("k8s");
  static final Pattern HMD_VARIABLE = Pattern.compile("\\bHMD_[A-Z0-9_]+\\b");
  static final Set<String> SECRET_KEYS = Set.of(Config.DATABASE_URL, Config.MASTER_KEY, Config.JWT_SECRET,
    Config.ADMIN_TOKEN);

  /**
   * fabric8's model keeps unknown fields in an {@code additionalProperties} map (an any-setter),
   * so FAIL_ON_UNKNOWN_PROPERTIES alone never fires; without the any-setter a misspelt or
   * misplaced field is an error naming its path.
   */
  static final ObjectMapper STRICT = new ObjectMapper(new YAMLFactory())
    .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
    .setAnnotationIntrospector(new JacksonAnnotationIntrospector() {
      @Override
      public Boolean hasAnySetter(Annotated a) {
        return Boolean.FALSE;
      }
    });
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** The core kinds used here, their classes and the only apiVersion each may have. */
  static final Map<String, Kind> KINDS = Map.of(
    "ConfigMap", new Kind("v1", ConfigMap.class),
    "Secret", new Kind("v1", Secret.class),
    "Service", new Kind("v1", Service.class),
    "Deployment", new Kind("apps/v1", Deployment.class),
    "PodDisruptionBudget", new Kind("policy/v1", PodDisruptionBudget.class));

  record Kind(String apiVersion, Class<? extends HasMetadata> type) {
  }

  /** A manifest file and the resource it holds. */
  record Manifest(Path file, JsonNode tree, HasMetadata resource) {
  }

  static JsonNode kustomization;
  static Map<String, Manifest> rendered;

  @BeforeAll
  static void load() throws IOException {
    kustomization = YAML.readTree(K8S.resolve("kustomization.yaml").toFile());
    rendered = render();
  }

  /** What `kubectl kustomize k8s/` builds, for the features our kustomization uses: resources and labels. */
  static Map<String, Manifest> render() throws IOException {
    Map<String, String> labels = new LinkedHashMap<>();
    for (JsonNode entry : kustomization.path("labels")) {
      entry.path("pairs").fields().forEachRemaining(f -> labels.put(f.getKey(), f.getValue().asText()));
    }
    Map<String, Manifest> out = new LinkedHashMap<>();
    for (String name : resources()) {
      Path file = K8S.resolve(name);
      List<JsonNode> docs = YAML.readerFor(JsonNode.class).<JsonNode>readValues(file.toFile()).readAll();
      assertThat(docs).as("%s holds one resource", file).hasSize(1);
      ObjectNode tree = (ObjectNode) docs.get(0);
      ObjectNode meta = tree.with("metadata");
      labels.forEach((k, v) -> meta.with("labels").put(k, v));
      HasMetadata resource = load(file, tree);
      out.put(tree.path("kind").asText() + "/" + resource.getMetadata().getName(), new Manifest(file, tree, resource));
    }
    return out;
  }

  static List<String> resources() {
    List<String> names = new ArrayList<>();
    kustomization.path("resources").forEach(n -> names.add(n.asText()));
    return names;
  }

  static HasMetadata load(Path file, JsonNode tree) {
    String kind = tree.path("kind").asText();
    String apiVersion = tree.path("apiVersion").asText();
    try {
      if (kind.equals("ServiceMonitor")) {
        // a CRD the core model does not know: generic, with its spec checked field by field below
        assertThat(apiVersion).as("%s apiVersion", file).isEqualTo("monitoring.coreos.com/v1");
        assertThat(names(tree)).as("%s top-level fields", file).isSubsetOf("apiVersion", "kind", "metadata", "spec");
        STRICT.treeToValue(tree.path("metadata"), ObjectMeta.class);
        return YAML.treeToValue(tree, GenericKubernetesResource.class);
      }
      Kind known = KINDS.get(kind);
      assertThat(known).as("%s has a kind this project uses: %s", file, kind).isNotNull();
      assertThat(apiVersion).as("%s apiVersion", file).isEqualTo(known.apiVersion());
      return STRICT.treeToValue(tree, known.type());
    } catch (IOException e) {
      throw new AssertionError(file + " is not a valid " + kind + ": " + e.getMessage(), e);
    }
  }

  static Set<String> names(JsonNode object) {
    Set<String> names = new TreeSet<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  @SuppressWarnings("unchecked")
  static <T extends HasMetadata> T only(Class<T> type) {
    List<HasMetadata> found = rendered.values().stream().map(Manifest::resource).filter(type::isInstance).toList();
    assertThat(found).as("exactly one %s", type.getSimpleName()).hasSize(1);
    return (T) found.get(0);
  }

  static Deployment deployment() {
    return only(Deployment.class);
  }

  static Container container() {
    List<Container> containers = deployment().getSpec().getTemplate().getSpec().getContainers();
    assertThat(containers).hasSize(1);
    return containers.get(0);
  }

  static GenericKubernetesResource serviceMonitor() {
    return rendered.values().stream().map(Manifest::resource).filter(GenericKubernetesResource.class::isInstance)
      .map(GenericKubernetesResource.class::cast).filter(r -> r.getKind().equals("ServiceMonitor")).findFirst()
      .orElseThrow(() -> new AssertionError("no ServiceMonitor"));
  }

  @Test
  @DisplayName("the strict loader refuses a misspelt field, so a passing load means every field is known")
  void strictLoaderRefusesUnknownFields() throws IOException {
    String typo = Files.readString(K8S.resolve("deployment.yaml")).replace("readinessProbe:", "readinesProbe:");
    JsonNode tree = YAML.readTree(typo);
    assertThatThrownBy(() -> STRICT.treeToValue(tree, Deployment.class))
      .isInstanceOf(UnrecognizedPropertyException.class).hasMessageContaining("readinesProbe");
    JsonNode misplaced = YAML.readTree("apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {replicas: 2}\n");
    assertThatThrownBy(() -> STRICT.treeToValue(misplaced, Service.class)).hasMessageContaining("replicas");
  }

  @Test
  @DisplayName("the kustomization lists every manifest in k8s/ and only files that exist")
  void kustomizationListsEveryFile() throws IOException {
    assertThat(kustomization.path("apiVersion").asText()).isEqualTo("kustomize.config.k8s.io/v1beta1");
    assertThat(kustomization.path("kind").asText()).isEqualTo("Kustomization");
    assertThat(names(kustomization)).isSubsetOf("apiVersion", "kind", "resources", "labels", "namespace");
    List<String> listed = resources();
    assertThat(listed).doesNotHaveDuplicates();
    assertThat(listed).allSatisfy(name -> assertThat(K8S.resolve(name)).as("listed resource %s", name).isRegularFile());
    try (Stream<Path> files = Files.list(K8S)) {
      Set<String> present = files.map(f -> f.getFileName().toString())
        .filter(n -> !n.equals("kustomization.yaml")).collect(Collectors.toSet());
      assertThat(present).as("files in k8s/").containsExactlyInAnyOrderElementsOf(listed);
    }
  }

  @Test
  @DisplayName(
    "the kustomization renders one Deployment, Service, ConfigMap, Secret, PodDisruptionBudget and ServiceMonitor")
  void rendersTheExpectedResources() {
    assertThat(rendered.keySet()).containsExactlyInAnyOrder("ConfigMap/hmd-config", "Secret/hmd-secrets",
      "Deployment/hmd", "Service/hmd", "PodDisruptionBudget/hmd", "ServiceMonitor/hmd");
    assertThat(rendered.values()).allSatisfy(m ->
      assertThat(m.resource().getMetadata().getLabels()).containsEntry("app.kubernetes.io/part-of", "workers-hmd"));
  }

  @Test
  @DisplayName("kubectl kustomize, where installed, renders the same resources")
  void kubectlAgrees() throws Exception {
    Assumptions.assumeTrue(onPath("kubectl"), "kubectl is not installed");
    Process p = new ProcessBuilder("kubectl", "kustomize", K8S.toString()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    Map<String, JsonNode> byKubectl = new HashMap<>();
    for (JsonNode doc : YAML.readerFor(JsonNode.class).<JsonNode>readValues(output).readAll()) {
      byKubectl.put(doc.path("kind").asText() + "/" + doc.path("metadata").path("name").asText(), doc);
    }
    assertThat(byKubectl.keySet()).containsExactlyInAnyOrderElementsOf(rendered.keySet());
    rendered.forEach((key, m) -> assertThat(byKubectl.get(key)).as(key).isEqualTo(m.tree()));
  }

  static boolean onPath(String tool) {
    return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
      .anyMatch(dir -> Files.isExecutable(Path.of(dir, tool)));
  }

  @Test
  @DisplayName("the Deployment runs 2+ replicas of the jib image with `serve`, spread over nodes")
  void deploymentShape() {
    Deployment d = deployment();
    assertThat(d.getSpec().getReplicas()).isGreaterThanOrEqualTo(2);
    assertThat(d.getSpec().getSelector().getMatchLabels()).isNotEmpty();
    assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
      .containsAllEntriesOf(d.getSpec().getSelector().getMatchLabels());
    assertThat(d.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
    Container c = container();
    assertThat(c.getImage()).isEqualTo(JibProfileTest.imageName());
    assertThat(c.getCommand()).as("the image's entrypoint is kept").isNullOrEmpty();
    assertThat(c.getArgs()).containsExactly("serve");
    assertThat(c.getPorts()).extracting(ContainerPort::getName, ContainerPort::getContainerPort)
      .containsExactly(org.assertj.core.groups.Tuple.tuple("http", 8080));
  }

  @Test
  @DisplayName("liveness probes GET /health/live and readiness GET /health/ready on port 8080")
  void probes() {
    Container c = container();
    assertProbe(c.getLivenessProbe(), "/health/live");
    assertProbe(c.getReadinessProbe(), "/health/ready");
    if (c.getStartupProbe() != null) {
      assertProbe(c.getStartupProbe(), "/health/live");
    }
  }

  static void assertProbe(Probe probe, String path) {
    assertThat(probe).isNotNull();
    assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
    assertThat(port(probe.getHttpGet().getPort().getStrVal(), probe.getHttpGet().getPort().getIntVal()))
      .isEqualTo(8080);
  }

  /** A named port resolved against the container's ports. */
  static int port(String name, Integer number) {
    if (name == null) {
      return number;
    }
    return container().getPorts().stream().filter(p -> name.equals(p.getName())).findFirst()
      .map(ContainerPort::getContainerPort).orElseThrow(() -> new AssertionError("no container port named " + name));
  }

  @Test
  @DisplayName("termination is graceful: ~30 s grace with a short preStop sleep so endpoints drain first")
  void gracefulTermination() {
    PodSpec pod = deployment().getSpec().getTemplate().getSpec();
    assertThat(pod.getTerminationGracePeriodSeconds()).isBetween(20L, 60L);
    var preStop = container().getLifecycle().getPreStop();
    assertThat(preStop).isNotNull();
    List<String> command = preStop.getExec().getCommand();
    assertThat(command).hasSize(2).first().isEqualTo("sleep");
    assertThat(Integer.parseInt(command.get(1))).isBetween(1, 15)
      .isLessThan(pod.getTerminationGracePeriodSeconds().intValue());
  }

  @Test
  @DisplayName("the container is non-root (the image's uid) on a read-only root filesystem with an emptyDir /tmp")
  void security() {
    PodSpec pod = deployment().getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isEqualTo((long) JibProfileTest.imageUid());
    Container c = container();
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).contains("ALL");
    VolumeMount tmp = c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals("/tmp")).findFirst()
      .orElseThrow(() -> new AssertionError("no /tmp mount"));
    Volume volume = pod.getVolumes().stream().filter(v -> v.getName().equals(tmp.getName())).findFirst().orElseThrow();
    assertThat(volume.getEmptyDir()).isNotNull();
    assertThat(configMap().getData().get(Config.DATA_DIR)).startsWith("/tmp/");
  }

  @Test
  @DisplayName("requests and limits are set, and the JVM sizes its heap from the memory limit")
  void resourceBudget() {
    var resources = container().getResources();
    assertThat(resources.getRequests()).containsKeys("cpu", "memory");
    assertThat(resources.getLimits()).containsKey("memory");
    assertThat(Quantity.getAmountInBytes(resources.getLimits().get("memory")))
      .isGreaterThanOrEqualTo(Quantity.getAmountInBytes(resources.getRequests().get("memory")));
    assertThat(env("JAVA_TOOL_OPTIONS").getValue()).contains("-XX:MaxRAMPercentage=");
  }

  static EnvVar env(String name) {
    return container().getEnv().stream().filter(e -> e.getName().equals(name)).findFirst()
      .orElseThrow(() -> new AssertionError("no env " + name));
  }

  static ConfigMap configMap() {
    return only(ConfigMap.class);
  }

  static Secret secret() {
    return only(Secret.class);
  }

  @Test
  @DisplayName("the Secret template holds the database URL, master key, JWT secret and admin token, as placeholders")
  void secretTemplate() {
    Secret s = secret();
    Map<String, String> values = s.getStringData() == null ? Map.of() : s.getStringData();
    assertThat(s.getData()).isNullOrEmpty();
    assertThat(values.keySet()).containsExactlyInAnyOrderElementsOf(SECRET_KEYS);
    assertThat(values.values()).allSatisfy(v -> assertThat(v).contains("REPLACE_ME"));
    assertThat(configMap().getData().keySet()).as("no secret in the ConfigMap")
      .doesNotContainAnyElementsOf(SECRET_KEYS);
  }

  @Test
  @DisplayName("HMD_INSTANCE_ID comes from the pod name; every env source and key the container names exists")
  void environment() {
    EnvVar instance = env(Config.INSTANCE_ID);
    assertThat(instance.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
    Container c = container();
    Set<String> visible = new HashSet<>();
    for (EnvFromSource from : c.getEnvFrom()) {
      if (from.getConfigMapRef() != null) {
        assertThat(from.getConfigMapRef().getName()).isEqualTo(configMap().getMetadata().getName());
        visible.addAll(configMap().getData().keySet());
      }
      if (from.getSecretRef() != null) {
        assertThat(from.getSecretRef().getName()).isEqualTo(secret().getMetadata().getName());
        visible.addAll(secret().getStringData().keySet());
      }
    }
    for (EnvVar e : c.getEnv()) {
      visible.add(e.getName());
      if (e.getValueFrom() != null && e.getValueFrom().getConfigMapKeyRef() != null) {
        assertThat(e.getValueFrom().getConfigMapKeyRef().getName()).isEqualTo(configMap().getMetadata().getName());
        assertThat(configMap().getData()).containsKey(e.getValueFrom().getConfigMapKeyRef().getKey());
      }
      if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null) {
        assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo(secret().getMetadata().getName());
        assertThat(secret().getStringData()).containsKey(e.getValueFrom().getSecretKeyRef().getKey());
      }
    }
    assertThat(visible).contains(Config.HTTP_PORT, Config.LOG_FORMAT, Config.CLOUDFLARE_API_BASE, Config.INSTANCE_ID)
      .containsAll(SECRET_KEYS);
    assertThat(configMap().getData()).containsEntry(Config.LOG_FORMAT, "json")
      .containsEntry(Config.HTTP_PORT, String.valueOf(port("http", null)));
    // the ConfigMap's values are ones the service accepts
    Config parsed = Config.from(configMap().getData());
    assertThat(parsed.httpPort()).isEqualTo(8080);
  }

  @Test
  @DisplayName("every HMD_* variable named anywhere in k8s/ is one the service reads (a constant in Config)")
  void onlyRealVariables() throws Exception {
    Set<String> known = new HashSet<>();
    for (var field : Config.class.getDeclaredFields()) {
      if (Modifier.isStatic(field.getModifiers()) && field.getType() == String.class) {
        field.setAccessible(true);
        Object value = field.get(null);
        if (value instanceof String s && s.startsWith("HMD_")) {
          known.add(s);
        }
      }
    }
    assertThat(known).contains(Config.DATABASE_URL, Config.INSTANCE_ID);
    Map<String, Set<String>> unknown = new LinkedHashMap<>();
    try (Stream<Path> files = Files.list(K8S)) {
      for (Path file : files.sorted().toList()) {
        Matcher m = HMD_VARIABLE.matcher(Files.readString(file));
        while (m.find()) {
          if (!known.contains(m.group())) {
            unknown.computeIfAbsent(file.getFileName().toString(), f -> new TreeSet<>()).add(m.group());
          }
        }
      }
    }
    assertThat(unknown).as("HMD_* names in k8s/ that Config does not define").isEmpty();
  }

  @Test
  @DisplayName("the Service maps port 80 to the container's 8080 and selects the Deployment's pods")
  void service() {
    Service s = only(Service.class);
    assertThat(s.getSpec().getType()).isEqualTo("ClusterIP");
    ServicePort port = s.getSpec().getPorts().get(0);
    assertThat(port.getPort()).isEqualTo(80);
    assertThat(port(port.getTargetPort().getStrVal(), port.getTargetPort().getIntVal())).isEqualTo(8080);
    assertThat(deployment().getSpec().getTemplate().getMetadata().getLabels())
      .containsAllEntriesOf(s.getSpec().getSelector());
  }

  @Test
  @DisplayName("the PodDisruptionBudget keeps at least one of the Deployment's pods")
  void disruptionBudget() {
    PodDisruptionBudget pdb = only(PodDisruptionBudget.class);
    assertThat(pdb.getSpec().getMinAvailable().getIntVal()).isEqualTo(1);
    assertThat(pdb.getSpec().getMinAvailable().getIntVal()).isLessThan(deployment().getSpec().getReplicas());
    assertThat(deployment().getSpec().getTemplate().getMetadata().getLabels())
      .containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
  }

  /** The ServiceMonitor fields of monitoring.coreos.com/v1 (Prometheus Operator 0.7x-0.8x). */
  static final Set<String> SERVICE_MONITOR_SPEC = Set.of("endpoints", "selector", "namespaceSelector", "jobLabel",
    "targetLabels", "podTargetLabels", "sampleLimit", "targetLimit", "labelLimit", "labelNameLengthLimit",
    "labelValueLengthLimit", "keepDroppedTargets", "attachMetadata", "scrapeProtocols", "scrapeClass", "bodySizeLimit",
    "fallbackScrapeProtocol", "selectorMechanism", "nativeHistogramBucketLimit", "nativeHistogramMinBucketFactor",
    "scrapeClassicHistograms", "convertClassicHistogramsToNHCB", "serviceDiscoveryRole");
  static final Set<String> SERVICE_MONITOR_ENDPOINT = Set.of("port", "targetPort", "path", "scheme", "params",
    "interval",
    "scrapeTimeout", "tlsConfig", "bearerTokenFile", "bearerTokenSecret", "authorization", "honorLabels",
    "honorTimestamps", "trackTimestampsStaleness", "basicAuth", "oauth2", "metricRelabelings", "relabelings",
    "proxyUrl", "noProxy", "proxyFromEnvironment", "proxyConnectHeader", "followRedirects", "enableHttp2",
    "filterRunning");
  /** The operator's duration pattern. */
  static final Pattern PROMETHEUS_DURATION =
    Pattern.compile("^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$");

  @Test
  @DisplayName("the ServiceMonitor has only known fields and scrapes /metrics from the Service's named port")
  void serviceMonitorFields() throws IOException {
    GenericKubernetesResource monitor = serviceMonitor();
    JsonNode spec = YAML.valueToTree(monitor.getAdditionalProperties().get("spec"));
    assertThat(names(spec)).isSubsetOf(SERVICE_MONITOR_SPEC);
    LabelSelector selector = STRICT.treeToValue(spec.path("selector"), LabelSelector.class);
    Service service = only(Service.class);
    assertThat(service.getMetadata().getLabels()).containsAllEntriesOf(selector.getMatchLabels());
    assertThat(spec.path("endpoints").isArray()).isTrue();
    assertThat(spec.path("endpoints")).hasSize(1);
    JsonNode endpoint = spec.path("endpoints").get(0);
    assertThat(names(endpoint)).isSubsetOf(SERVICE_MONITOR_ENDPOINT);
    assertThat(endpoint.path("port").asText()).isEqualTo(service.getSpec().getPorts().get(0).getName());
    assertThat(endpoint.path("path").asText()).isEqualTo("/metrics");
    for (String field : List.of("interval", "scrapeTimeout")) {
      assertThat(endpoint.path(field).asText()).as(field).matches(PROMETHEUS_DURATION);
    }
    assertThat(seconds(endpoint.path("scrapeTimeout").asText()))
      .isLessThanOrEqualTo(seconds(endpoint.path("interval").asText()));
  }

  static long seconds(String duration) {
    return Duration.parse("PT" + duration.toUpperCase()).toSeconds();
  }
}
