package org.postern.difftest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.cli.TestPostern;
import org.postern.difftest.SmtpScript.Exchange;

/**
 * Postern's policy client against the real Debian {@code policyd-spf}
 * (postfix-policyd-spf-python): {@code check_policy_service inet:127.0.0.1:PORT} after
 * {@code reject_unauth_destination}, with a tiny loopback server that, like Postfix's spawn(8),
 * starts one policyd-spf process per accepted connection and pipes the socket to its stdin and
 * stdout.
 *
 * <p>DNS: policyd-spf (pyspf over dnspython) has no resolver setting of its own, and the system
 * resolver must not be changed by a test. The spawned process is therefore started through a
 * three-line Python prelude that replaces dnspython's default resolver with one pointed at the
 * test's loopback DNS server (the same {@link org.postern.testing.TestDnsServer} Postern uses),
 * then runs policyd-spf's own {@code main()} with a test configuration file. So the SPF records
 * below are real DNS answers, and nothing reaches the outside.
 */
class PolicydSpfTest {

    static final Path POLICYD_SPF = Path.of("/usr/bin/policyd-spf");
    static final Path PYTHON = Path.of("/usr/bin/python3");

    @TempDir
    Path dir;

    private TestPostern postern;
    private ServerSocket spawner;
    private final Set<Process> processes = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void start() throws Exception {
        if (!Files.isExecutable(POLICYD_SPF)) {
            fail("policyd-spf is not installed: install postfix-policyd-spf-python (Debian package; see .ci/run, which installs it)");
        }
        spawner = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        postern = TestPostern.start(dir.resolve("postern"), """
                smtpd_recipient_restrictions = reject_unauth_destination,
                  check_policy_service inet:127.0.0.1:%d
                """.formatted(spawner.getLocalPort()));
        postern.dns()
                .add("spf-pass.test", "TXT", "\"v=spf1 ip4:198.51.100.7 -all\"")
                .add("spf-fail.test", "TXT", "\"v=spf1 ip4:192.0.2.99 -all\"");
        Path conf = dir.resolve("policyd-spf.conf");
        Files.writeString(conf, """
                debugLevel = 1
                TestOnly = 1
                HELO_reject = Fail
                Mail_From_reject = Fail
                PermError_reject = False
                TempError_Defer = False
                skip_addresses = 127.0.0.0/8,::ffff:127.0.0.0/104,::1
                """);
        String prelude = """
                import sys, dns.resolver
                r = dns.resolver.Resolver(configure=False)
                r.nameservers = ['127.0.0.1']
                r.port = %d
                dns.resolver.default_resolver = r
                sys.argv = ['policyd-spf', '%s']
                from spf_engine.policyd_spf import main
                sys.exit(main())
                """.formatted(postern.dns().port(), conf);
        Thread.ofVirtual().name("policyd-spf-spawner").start(() -> acceptLoop(List.of(PYTHON.toString(), "-c", prelude)));
    }

    /** Postfix's spawn(8) in miniature: one policyd-spf process per connection, socket piped to it. */
    private void acceptLoop(List<String> command) {
        while (!spawner.isClosed()) {
            Socket client;
            try {
                client = spawner.accept();
            } catch (IOException e) {
                return;
            }
            try {
                Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
                processes.add(p);
                Thread.ofVirtual().start(() -> pipe(client, p, true));
                Thread.ofVirtual().start(() -> pipe(client, p, false));
            } catch (IOException e) {
                closeQuietly(client);
            }
        }
    }

    private void pipe(Socket client, Process p, boolean toProcess) {
        try {
            InputStream in = toProcess ? client.getInputStream() : p.getInputStream();
            OutputStream out = toProcess ? p.getOutputStream() : client.getOutputStream();
            byte[] buf = new byte[4096];
            int n;
            while ((n = in.read(buf)) >= 0) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // the other side went away
        } finally {
            if (toProcess) {
                try {
                    p.getOutputStream().close();   // EOF: policyd-spf exits
                } catch (IOException ignored) {
                    // already gone
                }
            } else {
                closeQuietly(client);
                p.destroy();
                processes.remove(p);
            }
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @AfterEach
    void stop() throws IOException {
        if (postern != null) {
            postern.close();
        }
        if (spawner != null) {
            spawner.close();
        }
        processes.forEach(Process::destroy);
    }

    private List<Exchange> send(String sender, String marker) throws IOException {
        return SmtpScript.run(postern.smtpPort(), List.of(
                "XCLIENT ADDR=198.51.100.7 NAME=mail.sender.test REVERSE_NAME=mail.sender.test",
                "EHLO mail.sender.test",
                "MAIL FROM:<" + sender + ">",
                "RCPT TO:<bob@example.test>",
                "DATA",
                "QUIT"), "Subject: " + marker + "\r\n\r\nhello\r\n.\r\n");
    }

    private static String replyTo(List<Exchange> exchanges, String command) {
        return exchanges.stream().filter(e -> e.command().startsWith(command)).map(Exchange::reply).findFirst().orElse("(none)");
    }

    @Test
    void spfPassIsAcceptedWithTheReceivedSpfHeaderOfPolicydSpf() throws Exception {
        List<Exchange> replies = send("alice@spf-pass.test", "spf-pass-marker");

        assertThat(replyTo(replies, "RCPT")).isEqualTo("250 2.1.5 Ok");
        assertThat(replyTo(replies, "(end of data)")).startsWith("250 2.0.0 Ok: queued as ");
        String message = Files.readString(postern.awaitMessage("bob@example.test", "spf-pass-marker"));
        assertThat(message).containsPattern("(?m)^Received-SPF: Pass \\(mailfrom\\) identity=mailfrom; client-ip=198\\.51\\.100\\.7;"
                + " helo=mail\\.sender\\.test; envelope-from=alice@spf-pass\\.test; receiver=");
    }

    @Test
    void spfFailIsRejectedWithPolicydSpfsReply() throws Exception {
        List<Exchange> replies = send("alice@spf-fail.test", "spf-fail-marker");

        assertThat(replyTo(replies, "RCPT")).startsWith(
                "550 5.7.23 <bob@example.test>: Recipient address rejected: Message rejected due to: SPF fail - not authorized.");
        assertThat(replyTo(replies, "DATA")).isEqualTo("554 5.5.1 Error: no valid recipients");
    }

    @Test
    void noSpfRecordGivesTheNoneHeader() throws Exception {
        List<Exchange> replies = send("alice@no-spf.test", "spf-none-marker");

        assertThat(replyTo(replies, "(end of data)")).startsWith("250 2.0.0 Ok: queued as ");
        String message = Files.readString(postern.awaitMessage("bob@example.test", "spf-none-marker"));
        assertThat(message).containsPattern("(?m)^Received-SPF: None \\(mailfrom\\) identity=mailfrom; client-ip=198\\.51\\.100\\.7;");
    }
}
