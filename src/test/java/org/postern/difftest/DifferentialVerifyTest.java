package org.postern.difftest;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.cli.TestPostern;
import org.postern.testing.ScriptedSmtpServer;

/**
 * The differential test of address verification: reject_unverified_recipient and
 * reject_unverified_sender with Postfix's verify(8) and Postern's AddressVerifier probing the
 * same scripted next hop ({@link ScriptedSmtpServer}). Both servers route {@code relay.test},
 * {@code sender.test} (and two domains whose next hop is down) with the same
 * {@code transport_maps}; the next hop answers RCPT by the local part of the address:
 *
 * <ul>
 *   <li>{@code ok...}: 250 (deliverable);</li>
 *   <li>{@code no...}: 550 5.1.1 (undeliverable);</li>
 *   <li>{@code busy...}: 451 4.3.0, {@code full...}: 452 4.2.2 (deferred);</li>
 *   <li>{@code slow...}: 250 after {@link #SLOW} (longer than the SMTP servers poll for an
 *       answer: "in progress").</li>
 * </ul>
 *
 * <p>One Postfix serves every configuration, one smtpd listener per configuration with its
 * parameters as {@code -o} overrides; each configuration has its own Postern. Postfix's verify
 * cache is shared by all listeners, so every configuration uses its own addresses. Phase 1 asks
 * each address for the first time; the test then waits until both servers have the slow
 * answers; phase 2 asks again (the cached answers). Finally every probe that reached the next
 * hop must have used the same MAIL FROM ({@code double-bounce@$myorigin}).
 *
 * <p>Known, deliberate differences: {@link #EXCLUDED} and {@code docs/postfix-differences.md}.
 * The transcript of the last run is {@code target/difftest-verify-report.txt}.
 */
class DifferentialVerifyTest {

    @TempDir
    Path dir;

    /** Scenarios whose difference is deliberate (docs/postfix-differences.md), as "config/scenario". */
    static final Set<String> EXCLUDED = Set.of();

    /** How long the next hop takes to answer RCPT for {@code slow...}: well beyond the 2 s poll time. */
    static final Duration SLOW = Duration.ofSeconds(5);

    /** Parameters both servers share; {@code @T@} is the table folder. */
    static final String COMMON = """
            mydestination =
            relay_domains = relay.test, down.test
            transport_maps = texthash:@T@/transport
            # smtpd looks for a probe's answer 3 times, 1 s apart: a new address waits up to 2 s.
            address_verify_poll_count = 3
            address_verify_poll_delay = 1s
            # Postern's defaults differ (docs/postfix-differences.md); not what is compared here.
            smtpd_forbid_unauth_pipelining = no
            smtpd_end_of_data_restrictions =
            """;

    static final Map<String, String> CONFIGS = new LinkedHashMap<>();

    static {
        // (r) reject_unverified_recipient with the default codes.
        CONFIGS.put("r", """
                smtpd_recipient_restrictions = reject_unverified_recipient
                """);
        // (o) Other codes and a fixed reason.
        CONFIGS.put("o", """
                smtpd_recipient_restrictions = reject_unverified_recipient
                unverified_recipient_reject_code = 550
                unverified_recipient_defer_code = 451
                unverified_recipient_reject_reason = Recipient unknown at the gateway
                """);
        // (t) An unverified recipient is only deferred if nothing later rejects it.
        CONFIGS.put("t", """
                smtpd_recipient_restrictions = reject_unverified_recipient, check_recipient_access texthash:@T@/rcpt-access
                unverified_recipient_defer_code = 451
                """);
        // (d) The same with the tempfail action "defer".
        CONFIGS.put("d", """
                smtpd_recipient_restrictions = reject_unverified_recipient, check_recipient_access texthash:@T@/rcpt-access
                unverified_recipient_tempfail_action = defer
                """);
        // (s) reject_unverified_sender, delayed to RCPT (smtpd_delay_reject = yes).
        CONFIGS.put("s", """
                smtpd_sender_restrictions = reject_unverified_sender
                """);
        // (m) reject_unverified_sender at MAIL FROM, other codes and a fixed reason.
        CONFIGS.put("m", """
                smtpd_delay_reject = no
                smtpd_sender_restrictions = reject_unverified_sender
                unverified_sender_reject_code = 554
                unverified_sender_defer_code = 451
                unverified_sender_reject_reason = Sender unknown at its domain
                """);
    }

    static final String RCPT_ACCESS = """
            busy-t@relay.test REJECT refused by the access table
            slow-t@relay.test REJECT refused by the access table
            ok-t@relay.test REJECT refused by the access table
            no4-t@relay.test REJECT refused by the access table
            no4-d@relay.test REJECT refused by the access table
            busy-d@relay.test REJECT refused by the access table
            full-t@relay.test OK
            full-d@relay.test OK
            """;

    // ---- Scenarios -----------------------------------------------------------------------------------

    static final List<Scenario> FIRST = new ArrayList<>();
    static final List<Scenario> SECOND = new ArrayList<>();
    /** Addresses answered slowly, per configuration: phase 2 waits for their probes. */
    static final Map<String, List<String>> SLOW_ADDRESSES = new LinkedHashMap<>();

    static Scenario first(String config, String name) {
        Scenario sc = new Scenario(config, name);
        FIRST.add(sc);
        return sc;
    }

    static Scenario second(String config, String name) {
        Scenario sc = new Scenario(config, name + " (cached)");
        SECOND.add(sc);
        return sc;
    }

    static {
        for (String c : List.of("r", "o")) {
            for (String[] a : new String[][] {{"deliverable", "ok"}, {"undeliverable", "no"}, {"deferred 451", "busy"},
                    {"deferred 452", "full"}, {"in progress", "slow"}}) {
                String address = a[1] + "-" + c + "@relay.test";
                first(c, a[0]).to(address);
                second(c, a[0]).to(address);
            }
            first(c, "two recipients").to("ok2-" + c + "@relay.test", "no2-" + c + "@relay.test");
            first(c, "null sender").from("").to("no3-" + c + "@relay.test");
            SLOW_ADDRESSES.put(c, List.of("slow-" + c + "@relay.test"));
        }
        first("r", "next hop down").to("x-r@down.test");
        second("r", "next hop down").to("x-r@down.test");
        for (String c : List.of("t", "d")) {
            for (String[] a : new String[][] {{"deliverable, then REJECT", "ok"}, {"undeliverable, then OK", "no"},
                    {"undeliverable, then REJECT", "no4"},
                    {"deferred, then REJECT", "busy"}, {"deferred, then OK", "full"}}) {
                first(c, a[0]).to(a[1] + "-" + c + "@relay.test");
            }
        }
        first("t", "in progress, then REJECT").to("slow-t@relay.test");
        SLOW_ADDRESSES.put("t", List.of("slow-t@relay.test"));
        for (String c : List.of("s", "m")) {
            for (String[] a : new String[][] {{"deliverable", "ok"}, {"undeliverable", "no"}, {"deferred 451", "busy"},
                    {"in progress", "slow"}}) {
                String address = a[1] + "-" + c + "@sender.test";
                first(c, a[0]).from(address).to("bob@relay.test");
                second(c, a[0]).from(address).to("bob@relay.test");
            }
            first(c, "null sender").from("").to("bob@relay.test");
            first(c, "two recipients").from("no2-" + c + "@sender.test").to("bob@relay.test", "carol@relay.test");
            SLOW_ADDRESSES.put(c, List.of("slow-" + c + "@sender.test"));
        }
        first("s", "next hop down").from("x-s@down-sender.test").to("bob@relay.test");
        second("s", "next hop down").from("x-s@down-sender.test").to("bob@relay.test");
    }

    /** The next hop's RCPT reply for {@code RCPT TO:<local@domain> ...}, by the local part's first word. */
    static String rcptReply(String line) {
        String address = line.substring(line.indexOf('<') + 1, line.indexOf('>'));
        String local = address.substring(0, address.indexOf('@'));
        if (local.startsWith("no")) {
            return "550 5.1.1 <" + address + ">: Recipient address rejected: User unknown";
        }
        if (local.startsWith("busy")) {
            return "451 4.3.0 <" + address + ">: try again later";
        }
        if (local.startsWith("full")) {
            return "452 4.2.2 <" + address + ">: Mailbox full";
        }
        return "250 2.1.5 Ok";
    }

    // ---- The test ------------------------------------------------------------------------------------

    @Test
    void postfixAndPosternVerifyAddressesAlike() throws Exception {
        if (!PostfixInstance.installed()) {
            fail("Postfix is not installed: install postfix (Debian package; see .ci/run, which installs it)");
        }
        Comparison comparison = new Comparison(EXCLUDED);
        StringBuilder report = new StringBuilder();
        Map<String, TestPostern> posterns = new LinkedHashMap<>();
        StringBuilder problems = new StringBuilder();
        long started = System.nanoTime();
        try (ScriptedSmtpServer nextHop = new ScriptedSmtpServer("127.0.0.1")) {
            nextHop.rcptReply = DifferentialVerifyTest::rcptReply;
            nextHop.rcptDelay = line -> line.contains("<slow") ? SLOW : Duration.ZERO;
            Path tables = dir.resolve("tables");
            // Two ports nobody listens on: next hops that are down (one each, so that Postfix's
            // "dead destination" memory of one does not decide the other).
            PostfixInstance.writeTable(tables, "transport", """
                    relay.test smtp:[127.0.0.1]:%d
                    sender.test smtp:[127.0.0.1]:%d
                    down.test smtp:[127.0.0.1]:%d
                    down-sender.test smtp:[127.0.0.1]:%d
                    """.formatted(nextHop.port(), nextHop.port(), PostfixInstance.freePort(), PostfixInstance.freePort()));
            PostfixInstance.writeTable(tables, "rcpt-access", RCPT_ACCESS);
            String common = COMMON.replace("@T@", tables.toString());
            Map<String, List<String>> listeners = new LinkedHashMap<>();
            for (var c : CONFIGS.entrySet()) {
                listeners.put(c.getKey(), DifferentialDnsTest.overrides(c.getValue().replace("@T@", tables.toString())));
            }
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                // Postfix starts while the Posterns do (each takes seconds).
                Future<PostfixInstance> postfixStarting = pool.submit(() -> PostfixInstance.start(dir.resolve("postfix"), common, listeners, null));
                try {
                    for (var c : CONFIGS.entrySet()) {
                        posterns.put(c.getKey(), Comparison.startPostern(Files.createDirectories(dir.resolve("postern-" + c.getKey())),
                                common + c.getValue().replace("@T@", tables.toString())));
                    }
                } catch (Exception | AssertionError e) {
                    postfixStarting.get().close();
                    throw e;
                }
                try (PostfixInstance postfix = postfixStarting.get()) {
                    report.append("## servers up after ").append((System.nanoTime() - started) / 1_000_000).append(" ms\n");
                    problems.append(compare(postfix, posterns, nextHop, comparison, pool, report));
                }
            } finally {
                for (TestPostern p : posterns.values()) {
                    p.close();
                }
            }
        }
        report.append("## total ").append((System.nanoTime() - started) / 1_000_000).append(" ms\n");
        comparison.finish("difftest-verify-report.txt", report);
        if (!problems.isEmpty()) {
            fail(problems.toString());
        }
    }

    /** Phase 1, the wait for the slow probes, phase 2 and the probes' senders; returns "" or the problems. */
    private static String compare(PostfixInstance postfix, Map<String, TestPostern> posterns, ScriptedSmtpServer nextHop,
                                  Comparison comparison, ExecutorService pool, StringBuilder report) throws Exception {
        StringBuilder problems = new StringBuilder();
        // Not compared: the first probe starts Postfix's cleanup, trivial-rewrite, smtp and verify
        // daemons, which could take longer than the 2 s the scenarios' probes are given.
        List<String> warmUp = new Scenario("r", "warm-up").to("ok-warmup@relay.test").script();
        report.append("# warm-up: postfix ").append(rcptReply(SmtpScript.run(postfix.port("r"), warmUp)))
                .append(", postern ").append(rcptReply(SmtpScript.run(posterns.get("r").smtpPort(), warmUp))).append('\n');
        report.append("# phase 1: first queries\n");
        runPhase(FIRST, postfix, posterns, comparison, pool, report);
        long t0 = System.nanoTime();
        // The mail log is global: every in-process Postern logs to the last one's file.
        LogText posternLogs = () -> {
            StringBuilder all = new StringBuilder();
            for (TestPostern p : posterns.values()) {
                all.append(p.logText());
            }
            return all.toString();
        };
        for (List<String> addresses : SLOW_ADDRESSES.values()) {
            for (String address : addresses) {
                problems.append(awaitProbe("Postfix", address, postfix::logText));
                problems.append(awaitProbe("Postern", address, posternLogs));
            }
        }
        report.append(problems);
        report.append("# slow probes answered after ").append((System.nanoTime() - t0) / 1_000_000).append(" ms\n");
        report.append("# phase 2: the same addresses again\n");
        runPhase(SECOND, postfix, posterns, comparison, pool, report);
        report.append("## postfix warnings\n");
        postfix.logText().lines().filter(l -> l.matches(".*(warning|fatal|panic|error): .*"))
                .forEach(l -> report.append(l).append('\n'));
        problems.append(probeSenders(nextHop, postfix, posternLogs.get(), report));
        return problems.toString();
    }

    private static String rcptReply(List<SmtpScript.Exchange> session) {
        return session.stream().filter(x -> x.command().startsWith("RCPT")).map(SmtpScript.Exchange::reply)
                .findFirst().orElse("(no RCPT reply)");
    }

    /** Runs the phase's scenarios, the configurations in parallel, each configuration's in order. */
    private static void runPhase(List<Scenario> scenarios, PostfixInstance postfix, Map<String, TestPostern> posterns,
                                 Comparison comparison, ExecutorService pool, StringBuilder report) throws Exception {
        List<Future<String>> runs = new ArrayList<>();
        for (String config : CONFIGS.keySet()) {
            List<Scenario> mine = scenarios.stream().filter(sc -> sc.config.equals(config)).toList();
            if (mine.isEmpty()) {
                continue;
            }
            int postfixPort = postfix.port(config);
            int posternPort = posterns.get(config).smtpPort();
            runs.add(pool.submit(() -> {
                StringBuilder r = new StringBuilder();
                comparison.run(mine, postfixPort, posternPort, r);
                return r.toString();
            }));
        }
        for (Future<String> f : runs) {
            report.append(f.get());
        }
    }

    private interface LogText {
        String get() throws IOException;
    }

    /**
     * Waits until a server has logged the final answer of the probe of {@code address}; returns
     * "" or the problem.
     */
    private static String awaitProbe(String server, String address, LogText log) throws Exception {
        String to = "to=<" + address + ">, relay=";
        BooleanSupplier answered = () -> {
            try {
                return log.get().lines().anyMatch(l -> l.contains(to) && l.contains("status=deliverable"));
            } catch (IOException e) {
                return false;
            }
        };
        Instant deadline = Instant.now().plus(SLOW.multipliedBy(4));
        while (!answered.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                return server + " did not log the answer of the probe of " + address + " (\"" + to + "... status=deliverable\")\n";
            }
            Thread.sleep(50);   // polling interval of a deadline wait
        }
        return "";
    }

    /**
     * Both servers' probes reached the next hop, and every probe there had the same MAIL FROM:
     * Postfix's address_verify_sender default, double-bounce@$myorigin.
     */
    private static String probeSenders(ScriptedSmtpServer nextHop, PostfixInstance postfix, String posternLog,
                                       StringBuilder report) throws IOException {
        report.append("## probe sessions at the next hop\n");
        Set<String> dialogues = new TreeSet<>();
        Set<String> reversePaths = new TreeSet<>();
        Set<String> mailFroms = new TreeSet<>();
        for (List<String> session : nextHop.sessions()) {
            dialogues.add(String.join(" | ", session).replaceAll("<[^>@]*@", "<ADDRESS@"));
            for (String l : session) {
                if (l.toUpperCase().startsWith("MAIL FROM:")) {
                    mailFroms.add(l);
                    reversePaths.add(l.substring("MAIL FROM:".length()).split(" ", 2)[0]);
                }
            }
        }
        dialogues.forEach(d -> report.append("   ").append(d).append('\n'));
        report.append("## MAIL FROM of the probes: ").append(mailFroms).append('\n');
        StringBuilder problems = new StringBuilder();
        if (!postfix.logText().contains("relay=127.0.0.1[127.0.0.1]:" + nextHop.port())) {
            problems.append("Postfix's probes did not reach the next hop\n");
        }
        if (!posternLog.contains("probe: to=<")) {
            problems.append("Postern's probes did not reach the next hop\n");
        }
        // The SIZE parameter differs deliberately (docs/postfix-differences.md): Postfix's is the
        // size of its probe message, Postern's probe has no message.
        if (!reversePaths.equals(Set.of("<double-bounce@mx.example.test>"))) {
            problems.append("the probes' MAIL FROM addresses are not all <double-bounce@mx.example.test>: ")
                    .append(mailFroms).append('\n');
        }
        return problems.toString();
    }
}
