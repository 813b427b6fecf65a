package org.postern.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.cli.TestPostern;
import org.postern.testing.JsonParser;

/**
 * testssl.sh (the Debian package, 3.0.8) against what a user gets by default: one Postern with
 * the built-in TLS settings (no smtpd_tls_* lines, the generated self-signed certificate) and
 * the three listeners of the built-in master.cf, STARTTLS on 25 and 587 and implicit TLS on 465.
 *
 * <p>Asserted from testssl's JSON findings, for each port: SSLv2, SSLv3, TLS 1.0 and TLS 1.1 are
 * not offered (RFC 6176, RFC 7568, RFC 8996), TLS 1.2 and TLS 1.3 are; and none of testssl's weak
 * cipher categories is offered: NULL, anonymous, export, LOW (64-bit and DES, RC2, RC4), 3DES and
 * IDEA, and "obsolete CBC" (testssl's AVERAGE: CBC-mode suites, which RFC 9325 section 4.2 no
 * longer recommends). Only testssl's protocol (-p) and cipher category (-s) checks run, and the
 * three ports are scanned in parallel, to keep the test short.
 *
 * <p>Loopback only: testssl gets an IP address and {@code --nodns none}, so it makes no DNS
 * query, and {@code --phone-out} is off (its default), so it fetches no CRL or OCSP response.
 */
class TestsslTest {

    static final Path TESTSSL = Path.of("/usr/bin/testssl");
    /** Generous: on the 2-core CI machine a scan of one port takes well under a minute. */
    static final Duration SCAN_TIMEOUT = Duration.ofSeconds(110);

    @TempDir
    static Path dir;
    static TestPostern postern;

    @BeforeAll
    static void start() throws Exception {
        if (!Files.isExecutable(TESTSSL)) {
            fail("testssl.sh is not installed: install the Debian package testssl.sh (see .ci/run, which installs it)");
        }
        postern = TestPostern.start(dir);
    }

    @AfterAll
    static void stop() {
        if (postern != null) {
            postern.close();
        }
    }

    /** One testssl.sh run in progress: the process, its JSON file and its console output. */
    record Scan(String name, Process process, Path json, Path output) {
    }

    static Scan scan(String name, int port, boolean starttls) throws IOException {
        Path json = dir.resolve("testssl-" + port + ".json");
        Path output = dir.resolve("testssl-" + port + ".out");
        List<String> command = new ArrayList<>(List.of(TESTSSL.toString(),
                "--quiet", "--color", "0", "--warnings", "batch",
                "--nodns", "none", "--ip", "127.0.0.1",
                "--connect-timeout", "10", "--openssl-timeout", "10",
                "--jsonfile", json.toString(),
                "-p", "-s"));
        if (starttls) {
            command.addAll(List.of("--starttls", "smtp"));
        }
        command.add("127.0.0.1:" + port);
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        p.getOutputStream().close();
        return new Scan(name, p, json, output);
    }

    /** The findings of a finished scan, id to finding (e.g. "SSLv3" to "not offered"). */
    static Map<String, Finding> findings(Scan scan) throws Exception {
        if (!scan.process().waitFor(SCAN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            scan.process().destroyForcibly();
            fail("testssl.sh on " + scan.name() + " did not finish within " + SCAN_TIMEOUT + ":\n"
                    + Files.readString(scan.output()));
        }
        assertThat(scan.json()).as("testssl.sh JSON file for %s; output:\n%s", scan.name(),
                Files.readString(scan.output())).exists();
        Map<String, Finding> byId = new LinkedHashMap<>();
        for (Object o : (List<?>) JsonParser.parse(Files.readString(scan.json(), StandardCharsets.UTF_8))) {
            Map<?, ?> m = (Map<?, ?>) o;
            String id = String.valueOf(m.get("id"));
            byId.put(id, new Finding(id, String.valueOf(m.get("severity")), String.valueOf(m.get("finding"))));
        }
        return byId;
    }

    record Finding(String id, String severity, String finding) {
        @Override
        public String toString() {
            return id + " [" + severity + "]: " + finding;
        }
    }

    /** testssl.sh's finding ids (3.0.8) and what each must say for the default configuration. */
    static final Map<String, String> EXPECTED = new LinkedHashMap<>();

    static {
        // -p: protocols. TLS 1.3's finding is "offered with final" (the RFC 8446 version).
        EXPECTED.put("SSLv2", "not offered");
        EXPECTED.put("SSLv3", "not offered");
        EXPECTED.put("TLS1", "not offered");
        EXPECTED.put("TLS1_1", "not offered");
        EXPECTED.put("TLS1_2", "offered");
        EXPECTED.put("TLS1_3", "offered with final");
        // -s: cipher categories, weakest first; testssl rates an offered one CRITICAL (NULL,
        // aNULL, EXPORT), HIGH (LOW), MEDIUM (3DES_IDEA) or LOW (AVERAGE, the CBC suites).
        EXPECTED.put("cipherlist_NULL", "not offered");
        EXPECTED.put("cipherlist_aNULL", "not offered");
        EXPECTED.put("cipherlist_EXPORT", "not offered");
        EXPECTED.put("cipherlist_LOW", "not offered");
        EXPECTED.put("cipherlist_3DES_IDEA", "not offered");
        EXPECTED.put("cipherlist_AVERAGE", "not offered");
        EXPECTED.put("cipherlist_STRONG", "offered");
    }

    /** testssl.sh severities that mean "weak": none may appear for any finding. */
    static final List<String> WEAK = List.of("LOW", "MEDIUM", "HIGH", "CRITICAL");

    @Test
    void defaultTlsOffersOnlyTls12And13AndNoWeakCiphers() throws Exception {
        Instant started = Instant.now();
        List<Scan> scans = List.of(
                scan("port 25 (STARTTLS)", postern.smtpPort(), true),
                scan("port 587 (STARTTLS)", postern.submissionPort(), true),
                scan("port 465 (implicit TLS)", postern.submissionsPort(), false));
        List<String> problems = new ArrayList<>();
        try {
            check(scans, problems);
        } finally {
            for (Scan scan : scans) {   // after a failure: leave no testssl.sh or openssl behind
                scan.process().descendants().forEach(ProcessHandle::destroyForcibly);
                scan.process().destroyForcibly();
            }
        }
        System.out.println("testssl.sh scanned the three ports in " + Duration.between(started, Instant.now()));
        assertThat(problems).as("testssl.sh findings against the default TLS settings").isEmpty();
    }

    private static void check(List<Scan> scans, List<String> problems) throws Exception {
        for (Scan scan : scans) {
            Map<String, Finding> findings = findings(scan);
            for (Map.Entry<String, String> e : EXPECTED.entrySet()) {
                Finding f = findings.get(e.getKey());
                if (f == null) {
                    problems.add(scan.name() + ": testssl.sh reported no " + e.getKey() + " (findings: "
                            + findings.values() + ")");
                } else if (!f.finding().equals(e.getValue())) {
                    problems.add(scan.name() + ": expected " + e.getKey() + " \"" + e.getValue()
                            + "\", testssl.sh says " + f);
                }
            }
            for (Finding f : findings.values()) {
                // Anything else testssl rates weak; scanProblem (FATAL) is testssl failing to scan,
                // and then nothing above can be trusted.
                if (!EXPECTED.containsKey(f.id()) && (WEAK.contains(f.severity()) || f.severity().equals("FATAL"))) {
                    problems.add(scan.name() + ": testssl.sh says " + f);
                }
            }
        }
    }
}
