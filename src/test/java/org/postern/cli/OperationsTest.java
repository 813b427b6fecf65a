package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.queue.ControlServer;
import org.postern.testing.FreePorts;
import org.postern.testing.RawSmtpClient;
import org.postern.testing.ScriptedSmtpServer;

/**
 * The admin port (Prometheus metrics, health) and reload, against a running Postern with a
 * real HTTP client and real SMTP sessions.
 */
class OperationsTest {

    @TempDir
    Path dir;

    private TestPostern postern;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws Exception {
        postern = TestPostern.start(dir);
    }

    @AfterEach
    void stop() {
        postern.close();
        http.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + postern.adminPort() + path))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static final Pattern SAMPLE = Pattern.compile(
            "([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\\\n]|\\\\[\\\\\"n])*\",?)*\\})? (\\S+)");

    /**
     * Parses the text exposition format strictly: every sample belongs to a metric announced
     * by {@code # HELP} and {@code # TYPE} lines before it; returns series text to value.
     */
    private Map<String, Double> metrics() throws Exception {
        HttpResponse<String> r = get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
        Map<String, Double> out = new HashMap<>();
        Map<String, String> types = new HashMap<>();
        Set<String> helped = new HashSet<>();
        for (String line : r.body().split("\n")) {
            if (line.startsWith("# HELP ")) {
                helped.add(line.split(" ")[2]);
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                String[] f = line.split(" ");
                assertThat(f[3]).isIn("counter", "gauge", "histogram");
                types.put(f[2], f[3]);
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertThat(m.matches()).as("sample line: %s", line).isTrue();
            String family = m.group(1).replaceFirst("_(bucket|sum|count)$", "");
            String name = types.containsKey(m.group(1)) ? m.group(1) : family;
            assertThat(types).as("TYPE before %s", line).containsKey(name);
            assertThat(helped).as("HELP before %s", line).contains(name);
            if (types.get(name).equals("counter")) {
                assertThat(name).endsWith("_total");
            }
            out.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
        }
        return out;
    }

    private static double sum(Map<String, Double> metrics, String prefix) {
        return metrics.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).mapToDouble(Map.Entry::getValue).sum();
    }

    private static double value(Map<String, Double> metrics, String series) {
        return metrics.getOrDefault(series, 0.0);
    }

    @Test
    void metricsCountSessionsRejectsAuthFailuresDeliveriesDnsAndDatabase() throws Exception {
        Map<String, Double> before = metrics();
        String smtp = String.valueOf(postern.smtpPort());
        String submissions = String.valueOf(postern.submissionsPort());

        try (RawSmtpClient c = RawSmtpClient.connect(postern.smtpPort())) {
            c.reply();
            c.command("EHLO client.example.net");
            assertThat(c.command("MAIL FROM:<sender@example.net>")).startsWith("250");
            assertThat(c.command("RCPT TO:<nobody@example.test>")).startsWith("550");
            assertThat(c.command("RCPT TO:<alice@example.test>")).startsWith("250");
            assertThat(c.command("DATA")).startsWith("354");
            assertThat(c.command("Subject: metrics\r\n\r\nmetrics-marker\r\n.")).startsWith("250");
            c.command("QUIT");
        }
        try (RawSmtpClient c = RawSmtpClient.connectTls(postern.submissionsPort())) {
            c.reply();
            c.command("EHLO client.example.net");
            String plain = Base64.getEncoder().encodeToString("\0alice@example.test\0wrong".getBytes(StandardCharsets.UTF_8));
            assertThat(c.command("AUTH PLAIN " + plain)).startsWith("535");
            // Not logged in: the listener's smtpd_client_restrictions (permit_sasl_authenticated,
            // reject) refuse at RCPT, a reject counted for this listener.
            assertThat(c.command("MAIL FROM:<alice@example.test>")).startsWith("250");
            assertThat(c.command("RCPT TO:<alice@example.test>")).startsWith("554");
            c.command("QUIT");
        }
        postern.awaitMessage("alice@example.test", "metrics-marker");
        TestPostern.await(() -> {
            try {
                return value(metrics(), "postern_delivery_results_total{transport=\"virtual\",status=\"sent\"}")
                        > value(before, "postern_delivery_results_total{transport=\"virtual\",status=\"sent\"}");
            } catch (Exception e) {
                return false;
            }
        }, Duration.ofSeconds(20), "a virtual delivery counted");

        Map<String, Double> after = metrics();
        assertThat(value(after, "postern_smtpd_connections_total{listener=\"" + smtp + "\"}")
                - value(before, "postern_smtpd_connections_total{listener=\"" + smtp + "\"}")).isEqualTo(1);
        assertThat(value(after, "postern_smtpd_connections_total{listener=\"" + submissions + "\"}")
                - value(before, "postern_smtpd_connections_total{listener=\"" + submissions + "\"}")).isEqualTo(1);
        assertThat(value(after, "postern_smtpd_messages_accepted_total{listener=\"" + smtp + "\"}")
                - value(before, "postern_smtpd_messages_accepted_total{listener=\"" + smtp + "\"}")).isEqualTo(1);
        String unlisted = "postern_smtpd_rejects_total{listener=\"" + smtp
                + "\",stage=\"RCPT\",restriction=\"reject_unlisted_recipient\"}";
        assertThat(value(after, unlisted) - value(before, unlisted)).isEqualTo(1);
        String rejectOnSubmissions = "postern_smtpd_rejects_total{listener=\"" + submissions
                + "\",stage=\"RCPT\",restriction=\"reject\"}";
        assertThat(value(after, rejectOnSubmissions) - value(before, rejectOnSubmissions)).isEqualTo(1);
        String rejectOnSmtp = "postern_smtpd_rejects_total{listener=\"" + smtp + "\",stage=\"RCPT\",restriction=\"reject\"}";
        assertThat(value(after, rejectOnSmtp)).as("the submissions reject is not the smtp listener's")
                .isEqualTo(value(before, rejectOnSmtp));
        assertThat(value(after, "postern_smtpd_auth_failures_total{listener=\"" + submissions + "\"}")
                - value(before, "postern_smtpd_auth_failures_total{listener=\"" + submissions + "\"}")).isEqualTo(1);
        assertThat(sum(after, "postern_dns_query_duration_seconds_count")).isGreaterThan(
                sum(before, "postern_dns_query_duration_seconds_count"));
        assertThat(value(after, "postern_database_query_duration_seconds_count{kind=\"read\"}")).isGreaterThan(
                value(before, "postern_database_query_duration_seconds_count{kind=\"read\"}"));
        assertThat(after).containsKeys("postern_queue_messages{state=\"incoming\"}", "postern_queue_messages{state=\"active\"}",
                "postern_queue_messages{state=\"deferred\"}", "postern_queue_messages{state=\"hold\"}",
                "postern_smtpd_sessions");
        // Buckets are cumulative and end in +Inf = _count.
        String ptr = "postern_dns_query_duration_seconds_bucket{type=\"PTR\",result=\"nxdomain\",le=\"+Inf\"}";
        if (after.containsKey(ptr)) {
            assertThat(after.get(ptr)).isEqualTo(after.get("postern_dns_query_duration_seconds_count{type=\"PTR\",result=\"nxdomain\"}"));
        }
    }

    @Test
    void healthSaysReadyWhileListenersDatabaseAndSpoolWorkAndNotReadyWithoutListeners() throws Exception {
        HttpResponse<String> live = get("/health/live");
        assertThat(live.statusCode()).isEqualTo(200);
        HttpResponse<String> ready = get("/health");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).startsWith("ready\n").contains("listeners: ok", "spool: ok", "database: ok");
        assertThat(get("/nothing").statusCode()).isEqualTo(404);

        postern.server().smtp().stop(Duration.ZERO);
        HttpResponse<String> down = get("/health/ready");
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(down.body()).startsWith("not ready\n").contains("listeners: SMTP listeners are not accepting");
        assertThat(get("/health/live").statusCode()).isEqualTo(200);
    }

    private CliTest.Result reload() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(new String[] {"-c", postern.configDirectory().toString(), "reload"},
                new PrintWriter(out, true), new PrintWriter(err, true));
        return new CliTest.Result(exit, out.toString(), err.toString());
    }

    @Test
    void reloadAppliesNewRestrictionsToNewSessionsAndKeepsOpenOnes() throws Exception {
        try (RawSmtpClient open = RawSmtpClient.connect(postern.smtpPort())) {
            open.reply();
            open.command("EHLO client.example.net");

            Files.writeString(postern.configDirectory().resolve("main.cf"),
                    "smtpd_client_restrictions = check_client_access inline:{ { 127.0.0.1 = REJECT closed by reload } }\n",
                    StandardOpenOption.APPEND);
            CliTest.Result r = reload();
            assertThat(r.exit()).as(r.err()).isZero();
            assertThat(r.out()).contains("reloaded");
            postern.awaitLog("postern/master[");
            assertThat(postern.logText()).contains("reload -- configuration");

            try (RawSmtpClient fresh = RawSmtpClient.connect(postern.smtpPort())) {
                fresh.reply();
                fresh.command("EHLO client.example.net");
                assertThat(fresh.command("MAIL FROM:<sender@example.net>")).startsWith("250");
                assertThat(fresh.command("RCPT TO:<alice@example.test>")).startsWith("554").contains("closed by reload");
            }
            // The session opened before the reload is still there and keeps its restrictions.
            assertThat(open.command("MAIL FROM:<sender@example.net>")).startsWith("250");
            assertThat(open.command("RCPT TO:<alice@example.test>")).startsWith("250");
            assertThat(open.command("QUIT")).startsWith("221");
        }
        assertThat(value(metrics(), "postern_config_reloads_total{result=\"ok\"}")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void brokenConfigurationIsRefusedWithFileAndLineAndTheRunningOneStays() throws Exception {
        Path mainCf = postern.configDirectory().resolve("main.cf");
        int line = Files.readAllLines(mainCf).size() + 1;
        Files.writeString(mainCf, "smtpd_client_restrictions = reject_unknwn_client_hostname\n", StandardOpenOption.APPEND);

        // The command checks first and does not send a reload for a configuration with errors.
        CliTest.Result r = reload();
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("main.cf:" + line).contains("reload not sent");

        // SIGHUP has no client to check first: the server refuses it and keeps running as before.
        var answer = postern.server().reload();
        assertThat(answer.accepted()).isFalse();
        assertThat(String.join("\n", answer.notes())).contains("main.cf:" + line).contains("reject_unknwn_client_hostname");
        postern.awaitLog("reload refused: the running configuration");
        assertThat(postern.logText()).contains("main.cf:" + line);
        try (RawSmtpClient c = RawSmtpClient.connect(postern.smtpPort())) {
            c.reply();
            c.command("EHLO client.example.net");
            assertThat(c.command("MAIL FROM:<sender@example.net>")).startsWith("250");
            assertThat(c.command("RCPT TO:<alice@example.test>")).startsWith("250");
        }
    }

    /**
     * The running server keeps DNS answers for their TTL (postern_dns_cache_size, default on):
     * a second connection from the same client does not ask for its PTR and A records again, the
     * cache hits show in the metrics, and a reload empties the cache.
     */
    @Test
    void dnsAnswersAreKeptForTheirTtlAndAReloadForgetsThem() throws Exception {
        var dns = postern.dns();
        dns.add("1.0.0.127.in-addr.arpa", "PTR", "client.example.net.", 300)
                .add("client.example.net", "A", "127.0.0.1", 300);
        Map<String, Double> before = metrics();
        for (int i = 0; i < 2; i++) {
            try (RawSmtpClient c = RawSmtpClient.connect(postern.smtpPort())) {
                assertThat(c.reply()).startsWith("220 ");
            }
        }
        assertThat(dns.queries()).containsOnlyOnce("1.0.0.127.in-addr.arpa PTR", "client.example.net A");
        postern.awaitLog("connect from client.example.net[127.0.0.1]");
        Map<String, Double> after = metrics();
        assertThat(value(after, "postern_dns_cache_hits_total{type=\"PTR\",result=\"found\"}")
                - value(before, "postern_dns_cache_hits_total{type=\"PTR\",result=\"found\"}")).isEqualTo(1);

        assertThat(postern.server().reload().accepted()).isTrue();
        try (RawSmtpClient c = RawSmtpClient.connect(postern.smtpPort())) {
            assertThat(c.reply()).startsWith("220 ");
        }
        assertThat(dns.queries().stream().filter("1.0.0.127.in-addr.arpa PTR"::equals)).hasSize(2);
    }

    @Test
    void reloadSaysWhatNeedsARestart() throws Exception {
        Files.writeString(postern.configDirectory().resolve("main.cf"),
                "postern_connection_limit = 77\nrelayhost = [127.0.0.1]:2525\nqueue_run_delay = 2s\n",
                StandardOpenOption.APPEND);
        CliTest.Result r = reload();
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).contains("postern_connection_limit changed: takes effect at the next restart")
                .doesNotContain("relayhost").doesNotContain("queue_run_delay");
    }

    /** Sends a message to alice@example.test with the marker as its subject; it is queued. */
    private void sendToAlice(String marker) throws Exception {
        try (RawSmtpClient c = RawSmtpClient.connect(postern.smtpPort())) {
            c.reply();
            c.command("EHLO client.example.net");
            assertThat(c.command("MAIL FROM:<sender@example.net>")).startsWith("250");
            assertThat(c.command("RCPT TO:<alice@example.test>")).startsWith("250");
            assertThat(c.command("DATA")).startsWith("354");
            assertThat(c.command("Subject: " + marker + "\r\n\r\nbody\r\n.")).startsWith("250");
        }
    }

    @Test
    void aBrokenDeliverySettingIsRefusedByAReloadAndTheRunningOneStays() throws Exception {
        Path mainCf = postern.configDirectory().resolve("main.cf");
        int line = Files.readAllLines(mainCf).size() + 1;
        Files.writeString(mainCf, "smtp_tls_CAfile = /nonexistent/ca.pem\n", StandardOpenOption.APPEND);
        ControlServer.Reload answer = postern.server().reload();
        assertThat(answer.accepted()).isFalse();
        assertThat(String.join("\n", answer.notes())).contains("main.cf:" + line + ": smtp_tls_CAfile = /nonexistent/ca.pem");
        postern.awaitLog("reload refused: the running configuration");
        // Mail still flows with the running configuration.
        String marker = "after-refused-reload-" + System.nanoTime();
        sendToAlice(marker);
        postern.awaitMessage("alice@example.test", marker);
    }

    /**
     * A reload gives the queue manager new routing and delivery agents, as postfix reload
     * restarts qmgr and smtp(8): a message deferred under the old transport_maps (its next hop
     * was down) goes to the new next hop at its next pass, without a restart.
     */
    @Test
    void reloadAppliesNewRoutingToTheNextDeliveryPass() throws Exception {
        Path mainCf = postern.configDirectory().resolve("main.cf");
        String original = Files.readString(mainCf);
        int nobodyListens = FreePorts.next();
        Files.writeString(mainCf, original + "transport_maps = inline:{ example.test=smtp:[127.0.0.1]:" + nobodyListens + " }\n");
        ControlServer.Reload first = postern.server().reload();
        assertThat(first.accepted()).as(String.join("\n", first.notes())).isTrue();
        assertThat(first.notes()).isEmpty();

        String marker = "rerouted-" + System.nanoTime();
        sendToAlice(marker);
        postern.awaitLog("[127.0.0.1]:" + nobodyListens + ": Connection refused");
        postern.awaitLog("status=deferred");

        try (ScriptedSmtpServer nextHop = new ScriptedSmtpServer("127.0.0.1")) {
            Files.writeString(mainCf, original + "transport_maps = inline:{ example.test=smtp:[127.0.0.1]:" + nextHop.port() + " }\n");
            assertThat(postern.server().reload().accepted()).isTrue();
            TestPostern.await(() -> nextHop.messages().stream().anyMatch(m -> m.contains(marker)), Duration.ofSeconds(20),
                    "the deferred message at the new next hop");
            postern.awaitLog("relay=127.0.0.1[127.0.0.1]:" + nextHop.port() + ",");
        }
        assertThat(postern.messages("alice@example.test")).isEmpty();
    }
}
