package org.postern.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.postern.log.MailLog;
import org.postern.store.AccountStore;
import org.postern.store.DkimKeyStore;
import org.postern.store.password.PasswordSchemes;
import org.postern.testing.Await;
import org.postern.testing.TestDnsServer;

/**
 * A complete Postern started in-process for end-to-end tests, on free loopback ports:
 * an MX listener ({@link #smtpPort()}), submission with STARTTLS required
 * ({@link #submissionPort()}) and submissions with implicit TLS ({@link #submissionsPort()}),
 * as the built-in master.cf sets them up. DNS goes to a private {@link TestDnsServer}; accounts
 * live in SQLite; the domain {@code example.test} has the mailboxes {@code alice} and
 * {@code bob} (password {@value #PASSWORD}). The mail log goes to {@link #log()}.
 */
public final class TestPostern implements AutoCloseable {

    public static final String PASSWORD = "secret";
    public static final String HOSTNAME = "mx.example.test";

    private final Path dir;
    private final TestDnsServer dns;
    private Context context;
    private final PosternServer server;
    private int smtpPort;
    private int submissionPort;
    private int submissionsPort;

    private TestPostern(Path dir, String extraMainCf) throws Exception {
        this.dir = dir;
        this.dns = new TestDnsServer();
        Path config = writeConfiguration(extraMainCf);
        context = new Context(config);
        MailLog.configure(HOSTNAME, "postern", log(), false);
        AccountStore accounts = context.accounts();
        accounts.addDomain("example.test");
        for (String user : List.of("alice", "bob")) {
            accounts.addMailbox(user + "@example.test", PasswordSchemes.hash("SHA512-CRYPT", PASSWORD.toCharArray()), 0);
        }
        server = startOnFreePorts(config, extraMainCf);
    }

    /**
     * Starts the server; when a port found free was taken meanwhile (by any process's outgoing
     * connection: free ports come from the ephemeral range), tries again on other ports.
     */
    private PosternServer startOnFreePorts(Path config, String extraMainCf) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return PosternServer.start(context);
            } catch (PosternServer.StartException e) {
                if (attempt == 5 || !(rootCause(e) instanceof java.net.BindException)) {
                    throw e;
                }
                context.close();
                writeConfiguration(extraMainCf);
                context = new Context(config);
            }
        }
    }

    private static Throwable rootCause(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    /** Writes main.cf and master.cf with newly chosen free ports; returns the folder. */
    private Path writeConfiguration(String extraMainCf) throws IOException {
        smtpPort = freePort();
        submissionPort = freePort();
        submissionsPort = freePort();
        Path config = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(config.resolve("main.cf"), """
                myhostname = %s
                data_directory = %s
                maillog_file = %s
                dns_servers = %s
                inet_interfaces = 127.0.0.1
                mynetworks = 192.0.2.0/24
                smtpd_authorized_xclient_hosts = 127.0.0.0/8
                queue_run_delay = 1s
                minimal_backoff_time = 1s
                maximal_backoff_time = 2s
                smtpd_error_sleep_time = 0s
                postern_admin_listen = 127.0.0.1:%d
                %s
                """.formatted(HOSTNAME, dir.resolve("data"), log(), dns.address(), freePort(), extraMainCf));
        Files.writeString(config.resolve("master.cf"), """
                %d inet n - n - - smtpd
                %d inet n - n - - smtpd
                  -o syslog_name=postern/submission
                  -o smtpd_tls_security_level=encrypt
                  -o smtpd_sasl_auth_enable=yes
                  -o smtpd_tls_auth_only=yes
                  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
                  -o smtpd_sender_restrictions=reject_sender_login_mismatch
                  -o smtpd_reject_unlisted_recipient=no
                %d inet n - n - - smtpd
                  -o syslog_name=postern/submissions
                  -o smtpd_tls_wrappermode=yes
                  -o smtpd_sasl_auth_enable=yes
                  -o smtpd_client_restrictions=permit_sasl_authenticated,reject
                  -o smtpd_sender_restrictions=reject_sender_login_mismatch
                  -o smtpd_reject_unlisted_recipient=no
                """.formatted(smtpPort, submissionPort, submissionsPort));
        return config;
    }

    /** Starts one in {@code dir} with extra main.cf lines. */
    public static TestPostern start(Path dir, String extraMainCf) throws Exception {
        return new TestPostern(dir, extraMainCf);
    }

    public static TestPostern start(Path dir) throws Exception {
        return start(dir, "");
    }

    public int smtpPort() {
        return smtpPort;
    }

    public int submissionPort() {
        return submissionPort;
    }

    public int submissionsPort() {
        return submissionsPort;
    }

    /** The admin HTTP port (metrics, health), on a free loopback port. */
    public int adminPort() {
        return server.adminAddress().getPort();
    }

    /** The configuration directory (main.cf, master.cf). */
    public Path configDirectory() {
        return dir.resolve("etc");
    }

    public TestDnsServer dns() {
        return dns;
    }

    public AccountStore accounts() throws Exception {
        return context.accounts();
    }

    /** The DKIM keys in the server's store (the server reads them for every signed message). */
    public DkimKeyStore dkimKeys() throws Exception {
        return new DkimKeyStore(context.database());
    }

    public Context context() {
        return context;
    }

    public PosternServer server() {
        return server;
    }

    public Path directory() {
        return dir;
    }

    public Path log() {
        return dir.resolve("maillog");
    }

    public String logText() throws IOException {
        MailLog.flush(); // lines are written by the log's writer thread, a moment after they are logged
        return Files.exists(log()) ? Files.readString(log()) : "";
    }

    /** The Maildir of a hosted address. */
    public Path maildir(String address) {
        String[] parts = address.split("@");
        return dir.resolve("data/mail").resolve(parts[1]).resolve(parts[0]);
    }

    /** Delivered messages of an address (files in new/), oldest first. */
    public List<Path> messages(String address) throws IOException {
        Path dirNew = maildir(address).resolve("new");
        if (!Files.isDirectory(dirNew)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dirNew)) {
            return files.sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        }
    }

    /** Waits until the address has {@code count} messages; fails after the deadline. */
    public List<Path> awaitMessages(String address, int count) throws Exception {
        await(() -> {
            try {
                return messages(address).size() >= count;
            } catch (IOException e) {
                return false;
            }
        }, Duration.ofSeconds(20), address + " never got " + count + " messages");
        return messages(address);
    }

    /** Waits for the delivered message of an address that contains {@code marker}; returns its path. */
    public Path awaitMessage(String address, String marker) throws Exception {
        Path[] found = new Path[1];
        await(() -> {
            try {
                for (Path p : messages(address)) {
                    if (Files.readString(p).contains(marker)) {
                        found[0] = p;
                        return true;
                    }
                }
                return false;
            } catch (IOException e) {
                return false;
            }
        }, Duration.ofSeconds(20), address + " never got a message containing " + marker);
        return found[0];
    }

    /** Polls a condition until it holds or the deadline passes. */
    public static void await(BooleanSupplier condition, Duration timeout, String message) throws InterruptedException {
        Await.await(condition, timeout, () -> message);
    }

    /** Waits until the mail log contains the text. */
    public void awaitLog(String text) throws InterruptedException {
        await(() -> {
            try {
                return logText().contains(text);
            } catch (IOException e) {
                return false;
            }
        }, Duration.ofSeconds(20), "log line containing: " + text);
    }

    static int freePort() throws IOException {
        return org.postern.testing.FreePorts.next();
    }

    @Override
    public void close() {
        server.close();
        MailLog.flush();
        context.close();
        dns.close();
    }
}
