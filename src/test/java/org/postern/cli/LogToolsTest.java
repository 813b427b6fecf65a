package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.testing.RawSmtpClient;

/**
 * The log tools admins run on a Postfix log work on Postern's: Debian's {@code pflogsumm}
 * counts what was received, delivered and rejected, and fail2ban's {@code postfix} filter
 * (normal mode for rejects, auth mode as the postfix-sasl jail uses it) finds the clients to
 * ban. The log comes from real traffic against a running Postern; the tools are the installed
 * Debian packages ({@code pflogsumm}, {@code fail2ban}), run as an admin would run them.
 */
class LogToolsTest {

    /** What docs/operations.md tells the admin to put in the jail: Postern's program names. */
    static final String FAIL2BAN_DAEMON = "_daemon=\"postern(-\\w+)?/\\w+(?:/smtp[ds])?\"";

    @TempDir
    static Path dir;

    static Path log;

    @BeforeAll
    static void traffic() throws Exception {
        try (TestPostern postern = TestPostern.start(dir)) {
            for (int i = 0; i < 2; i++) {
                try (RawSmtpClient c = RawSmtpClient.connect(postern.smtpPort())) {
                    c.reply();
                    c.command("EHLO client.example.net");
                    assertThat(c.command("MAIL FROM:<sender@example.net>")).startsWith("250");
                    assertThat(c.command("RCPT TO:<alice@example.test>")).startsWith("250");
                    assertThat(c.command("DATA")).startsWith("354");
                    assertThat(c.command("Subject: " + i + "\r\n\r\nlog-tools-" + i + "\r\n.")).startsWith("250");
                    c.command("QUIT");
                }
            }
            // Three rejects: unknown user, relay attempt (454: defer_unauth_destination), unknown user again.
            try (RawSmtpClient c = RawSmtpClient.connect(postern.smtpPort())) {
                c.reply();
                c.command("EHLO client.example.net");
                assertThat(c.command("MAIL FROM:<sender@example.net>")).startsWith("250");
                assertThat(c.command("RCPT TO:<nobody@example.test>")).startsWith("550");
                assertThat(c.command("RCPT TO:<someone@elsewhere.example>")).startsWith("454");
                assertThat(c.command("RCPT TO:<ghost@example.test>")).startsWith("550");
                c.command("QUIT");
            }
            // Two failed logins.
            for (String password : List.of("wrong", "also wrong")) {
                try (RawSmtpClient c = RawSmtpClient.connectTls(postern.submissionsPort())) {
                    c.reply();
                    c.command("EHLO client.example.net");
                    String plain = Base64.getEncoder().encodeToString(("\0alice@example.test\0" + password)
                            .getBytes(StandardCharsets.UTF_8));
                    assertThat(c.command("AUTH PLAIN " + plain)).startsWith("535");
                    c.command("QUIT");
                }
            }
            postern.awaitMessages("alice@example.test", 2);
            TestPostern.await(() -> {
                try {
                    return postern.logText().split(": removed\n", -1).length - 1 >= 2;
                } catch (IOException e) {
                    return false;
                }
            }, java.time.Duration.ofSeconds(20), "two messages removed from the queue");
            log = postern.log();
        }
    }

    @AfterAll
    static void forget() {
        log = null;
    }

    record Run(int exit, String output) {
    }

    static Run run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("%s finished", command[0]).isTrue();
        return new Run(p.exitValue(), out);
    }

    private static int count(String output, String pattern) {
        Matcher m = Pattern.compile(pattern, Pattern.MULTILINE).matcher(output);
        assertThat(m.find()).as("%s in:%n%s", pattern, output).isTrue();
        return Integer.parseInt(m.group(1));
    }

    @Test
    void pflogsummCountsReceivedDeliveredAndRejected() throws Exception {
        Run r = run("pflogsumm", "--syslog-name=postern", log.toString());
        assertThat(r.exit()).as(r.output()).isZero();
        String out = r.output();
        assertThat(count(out, "^\\s*(\\d+)\\s+received$")).as(out).isEqualTo(2);
        assertThat(count(out, "^\\s*(\\d+)\\s+delivered$")).as(out).isEqualTo(2);
        assertThat(count(out, "^\\s*(\\d+)\\s+rejected\\b")).as(out).isEqualTo(3);
        assertThat(count(out, "^\\s*(\\d+)\\s+bounced$")).as(out).isZero();
        assertThat(count(out, "^\\s*(\\d+)\\s+senders$")).as(out).isEqualTo(1);
        // The reject detail names the reasons as Postfix's log does.
        assertThat(out).contains("User unknown in virtual mailbox table").contains("Relay access denied");
    }

    private static int matched(String output) {
        return count(output, "^Lines: \\d+ lines, \\d+ ignored, (\\d+) matched");
    }

    @Test
    void fail2banPostfixFilterMatchesTheRejects() throws Exception {
        List<String> cmd = new ArrayList<>(List.of("fail2ban-regex", log.toString(),
                "/etc/fail2ban/filter.d/postfix.conf[" + FAIL2BAN_DAEMON + "]"));
        Run r = run(cmd.toArray(String[]::new));
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(matched(r.output())).as(r.output()).isEqualTo(3);
        // The address fail2ban would ban, once per reject.
        Run ips = run("fail2ban-regex", "--out", "ip", log.toString(),
                "/etc/fail2ban/filter.d/postfix.conf[" + FAIL2BAN_DAEMON + "]");
        assertThat(ips.output().strip().lines().toList()).as(ips.output()).containsExactly("127.0.0.1", "127.0.0.1", "127.0.0.1");
    }

    @Test
    void fail2banPostfixSaslModeMatchesTheFailedLogins() throws Exception {
        Run r = run("fail2ban-regex", log.toString(),
                "/etc/fail2ban/filter.d/postfix.conf[mode=auth, " + FAIL2BAN_DAEMON + "]");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(matched(r.output())).as(r.output()).isEqualTo(2);
    }
}
