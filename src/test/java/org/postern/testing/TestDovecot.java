package org.postern.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A private, real Dovecot LMTP server for tests (Debian packages {@code dovecot-core} and
 * {@code dovecot-lmtpd}).
 *
 * <p>Each instance runs {@code dovecot -F -c CONF} as a child process from a configuration
 * generated in its own temporary directory: {@code base_dir}, {@code state_dir}, the log and all
 * mail live there, and nothing of the system's Dovecot is used or disturbed. LMTP listens on a
 * unix socket ({@link #lmtpUnixSocket()}) and on a free loopback TCP port ({@link #lmtpPort()}).
 * Mail is stored as {@code maildir:TMP/mail/%d/%n}: {@link #maildir} gives the folder of an
 * address and {@link #messages} the delivered messages.
 *
 * <p>Users: {@link #start()} accepts every {@code user@domain}. {@link #startWithUsers} accepts
 * only the listed addresses (a passwd-file userdb); LMTP then rejects any other recipient at
 * RCPT with {@code 550 5.1.1 ... User doesn't exist}. {@link #addUser} adds one while running.
 *
 * <p>As root, Dovecot's own services run as the Debian users {@code dovecot} and
 * {@code dovenull}, and mail is written as uid/gid 65534 (Dovecot refuses mail access as root).
 * Otherwise everything runs as the current user.
 *
 * <p>Use one instance per test class ({@code @BeforeAll start()}, {@code @AfterAll close()}), or
 * {@link #shared()} for a JVM-wide accept-all instance. A JVM shutdown hook stops any instance
 * left running. Start-up waits (with a deadline, no fixed sleeps) until both listeners accept
 * connections; failures include the Dovecot log.
 */
public final class TestDovecot implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(15);
    private static final int NOBODY = 65534;
    private static TestDovecot shared;

    private final Path dir;
    private final Path users;
    private final Process process;
    private final int port;
    private final int mailUid;
    private final int mailGid;
    private final Thread shutdownHook;

    private TestDovecot(Path dir, Path users, Process process, int port, int mailUid, int mailGid) {
        this.dir = dir;
        this.users = users;
        this.process = process;
        this.port = port;
        this.mailUid = mailUid;
        this.mailGid = mailGid;
        this.shutdownHook = new Thread(this::stop, "test-dovecot-stop");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a Dovecot that accepts mail for any {@code user@domain}. */
    public static TestDovecot start() {
        return launch(null);
    }

    /** Starts a Dovecot that knows only {@code addresses}; other recipients get 550 5.1.1. */
    public static TestDovecot startWithUsers(String... addresses) {
        return launch(List.of(addresses));
    }

    /** A JVM-wide accept-all instance, started on first use; do not close it. */
    public static synchronized TestDovecot shared() {
        if (shared == null) {
            shared = start();
        }
        return shared;
    }

    /** The LMTP unix socket. */
    public Path lmtpUnixSocket() {
        return dir.resolve("lmtp");
    }

    /** The loopback TCP port of LMTP (address 127.0.0.1). */
    public int lmtpPort() {
        return port;
    }

    /** {@code unix:PATH} of the LMTP socket, as Postfix's {@code mailbox_transport} would name it. */
    public String lmtpUnixDestination() {
        return "unix:" + lmtpUnixSocket();
    }

    /** {@code inet:127.0.0.1:PORT} of the LMTP TCP listener. */
    public String lmtpInetDestination() {
        return "inet:127.0.0.1:" + port;
    }

    /** The Maildir folder of {@code user@domain} (exists after the first delivery). */
    public Path maildir(String user, String domain) {
        return dir.resolve("mail").resolve(domain).resolve(user);
    }

    /** The delivered message files of {@code user@domain} in {@code new/} and {@code cur/}, oldest first. */
    public List<Path> messageFiles(String user, String domain) {
        return listMessages(maildir(user, domain));
    }

    /** The contents of the delivered messages of {@code user@domain}, oldest first (LF line ends). */
    public List<byte[]> messages(String user, String domain) {
        List<byte[]> contents = new ArrayList<>();
        for (Path p : messageFiles(user, domain)) {
            try {
                contents.add(Files.readAllBytes(p));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return contents;
    }

    /** The message files of any Maildir folder ({@code new/} and {@code cur/}), oldest first. */
    public static List<Path> listMessages(Path maildir) {
        List<Path> files = new ArrayList<>();
        for (String sub : List.of("new", "cur")) {
            Path d = maildir.resolve(sub);
            if (Files.isDirectory(d)) {
                try (Stream<Path> s = Files.list(d)) {
                    s.filter(Files::isRegularFile).forEach(files::add);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        files.sort(MAILDIR_ORDER);
        return files;
    }

    /**
     * Gives a Maildir folder written by someone else (e.g. Postern's own Maildir delivery, which
     * runs as the test's user) to the user Dovecot accesses mail as, so Dovecot can read it.
     */
    public void giveToMailUser(Path tree) {
        try (Stream<Path> paths = Files.walk(tree)) {
            for (Path p : paths.toList()) {
                Files.setAttribute(p, "unix:uid", mailUid);
                Files.setAttribute(p, "unix:gid", mailGid);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs {@code doveadm} against this instance ({@code doveadm -c CONF ARGS...}) and returns its
     * standard output, e.g. {@code doveadm("fetch", "-u", "a@example.com", "text", "mailbox", "INBOX", "all")}.
     *
     * @throws IllegalStateException if doveadm exits with a non-zero status (with its output)
     */
    public String doveadm(String... args) {
        List<String> command = new ArrayList<>(List.of(findDoveadm(),
                "-c", dir.resolve("dovecot.conf").toString()));
        command.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("doveadm timed out: " + command);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("doveadm failed (" + p.exitValue() + "): " + command + "\n" + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Adds a known user while running (only for {@link #startWithUsers}); returns once Dovecot knows it. */
    public synchronized void addUser(String address) {
        if (users == null) {
            throw new IllegalStateException("this Dovecot accepts every user; use startWithUsers");
        }
        try {
            // a new file under the old name: Dovecot re-reads a passwd-file whose inode or mtime changed
            Path next = users.resolveSibling("users.new");
            Files.writeString(next, Files.readString(users) + passwdLine(address));
            Files.setPosixFilePermissions(next, PosixFilePermissions.fromString("rw-r--r--"));
            Files.move(next, users, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Dovecot notices the change on a later lookup: ask until it knows the user (each doveadm
        // run takes a few milliseconds, so this is a poll with a deadline, not a sleep).
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            try {
                doveadm("user", address);
                return;
            } catch (IllegalStateException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Dovecot did not pick up user " + address + ":\n" + log(), notYet);
                }
            }
        }
    }

    /** The Dovecot log so far (for failure messages). */
    public String log() {
        StringBuilder all = new StringBuilder();
        for (String name : List.of("dovecot.log", "dovecot.out")) {
            Path p = dir.resolve(name);
            try {
                if (Files.exists(p)) {
                    all.append(Files.readString(p, StandardCharsets.UTF_8));
                }
            } catch (IOException e) {
                all.append("(cannot read ").append(p).append(": ").append(e.getMessage()).append(")\n");
            }
        }
        return all.toString();
    }

    /** The instance's temporary directory. */
    public Path directory() {
        return dir;
    }

    /** Stops Dovecot and deletes its directory. */
    @Override
    public void close() {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // the JVM is already shutting down
        }
    }

    private synchronized void stop() {
        if (process.isAlive()) {
            List<ProcessHandle> children = process.descendants().toList();
            process.destroy(); // SIGTERM: the master stops its services
            try {
                if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            children.forEach(ProcessHandle::destroyForcibly);
        }
        deleteTree(dir);
    }

    private static TestDovecot launch(List<String> knownUsers) {
        Path binary = findDovecot();
        IllegalStateException last = null;
        for (int attempt = 0; attempt < 3; attempt++) { // a free port may be taken before Dovecot binds it
            Path dir = null;
            try {
                dir = Files.createTempDirectory("postern-dovecot-");
                TestDovecot d = launchIn(binary, dir, knownUsers);
                if (d != null) {
                    return d;
                }
            } catch (IOException e) {
                last = new IllegalStateException("cannot start a test Dovecot: " + e.getMessage(), e);
            } catch (IllegalStateException e) {
                last = e;
            }
            if (dir != null) {
                deleteTree(dir);
            }
        }
        throw last;
    }

    private static TestDovecot launchIn(Path binary, Path dir, List<String> knownUsers) throws IOException {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path mail = Files.createDirectories(dir.resolve("mail"));
        Path home = Files.createDirectories(dir.resolve("home"));
        Files.createDirectories(dir.resolve("run"));
        Files.createDirectories(dir.resolve("state"));

        int uid = (Integer) Files.getAttribute(dir, "unix:uid");
        int gid = (Integer) Files.getAttribute(dir, "unix:gid");
        boolean root = uid == 0;
        String serviceUser = root ? "dovecot" : System.getProperty("user.name");
        String loginUser = root ? "dovenull" : serviceUser;
        int mailUid = root ? NOBODY : uid;
        int mailGid = root ? NOBODY : gid;
        for (Path p : List.of(mail, home)) {
            Files.setAttribute(p, "unix:uid", mailUid);
            Files.setAttribute(p, "unix:gid", mailGid);
        }

        Files.writeString(dir.resolve("no-logins"), "");
        Path users = null;
        String userdb = "userdb {\n  driver = static\n  args = allow_all_users=yes\n}\n";
        if (knownUsers != null) {
            users = dir.resolve("users");
            StringBuilder lines = new StringBuilder();
            knownUsers.forEach(u -> lines.append(passwdLine(u)));
            Files.writeString(users, lines);
            Files.setPosixFilePermissions(users, PosixFilePermissions.fromString("rw-r--r--"));
            userdb = "userdb {\n  driver = passwd-file\n  args = " + users + "\n}\n";
        }

        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        // Dovecot 2.3 settings (documented option names); everything points into dir.
        String conf = """
                base_dir = %1$s/run
                state_dir = %1$s/state
                instance_name = postern-test-%2$d
                log_path = %1$s/dovecot.log
                protocols = lmtp
                listen = 127.0.0.1
                ssl = no
                default_internal_user = %3$s
                default_login_user = %4$s
                mail_uid = %5$d
                mail_gid = %6$d
                first_valid_uid = %5$d
                first_valid_gid = %6$d
                mail_location = maildir:%1$s/mail/%%d/%%n
                mail_home = %1$s/home/%%d/%%n
                # Dovecot's auth process wants a passdb; LMTP only asks the userdb. Nobody can log in.
                passdb {
                  driver = passwd-file
                  args = %1$s/no-logins
                }
                %7$s
                service lmtp {
                  unix_listener %1$s/lmtp {
                    mode = 0666
                  }
                  inet_listener lmtp {
                    address = 127.0.0.1
                    port = %8$d
                  }
                }
                """.formatted(dir, port, serviceUser, loginUser, mailUid, mailGid, userdb, port);
        Path confFile = dir.resolve("dovecot.conf");
        Files.writeString(confFile, conf);

        Process process = new ProcessBuilder(binary.toString(), "-F", "-c", confFile.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("dovecot.out").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        TestDovecot dovecot = new TestDovecot(dir, users, process, port, mailUid, mailGid);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!(accepts(UnixDomainSocketAddress.of(dovecot.lmtpUnixSocket()), StandardProtocolFamily.UNIX)
                && accepts(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), StandardProtocolFamily.INET))) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                String log = dovecot.log();
                String why = process.isAlive() ? "not listening after " + START_TIMEOUT.toSeconds() + "s"
                        : "exited with status " + process.exitValue();
                dovecot.close();
                if (log.contains("Address already in use")) {
                    return null; // lost the port race: the caller tries again
                }
                throw new IllegalStateException("test Dovecot " + why + "; config " + confFile + "; log:\n" + log);
            }
            try {
                process.waitFor(20, TimeUnit.MILLISECONDS); // a wait on the process, woken early if it dies
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                dovecot.close();
                throw new IllegalStateException("interrupted while starting Dovecot", e);
            }
        }
        return dovecot;
    }

    private static String passwdLine(String address) {
        // passwd-file: user:password:uid:gid:gecos:home:shell:extra_fields (uid/gid/home from global settings)
        return address + ":::::::\n";
    }

    private static boolean accepts(java.net.SocketAddress address, StandardProtocolFamily family) {
        try (SocketChannel ch = SocketChannel.open(family)) {
            ch.connect(address);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String findDoveadm() {
        for (String candidate : List.of("/usr/bin/doveadm", "/usr/local/bin/doveadm", "/usr/sbin/doveadm")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new IllegalStateException("doveadm not found: install dovecot-core (see .ci/run)");
    }

    private static Path findDovecot() {
        for (String candidate : List.of("/usr/sbin/dovecot", "/usr/local/sbin/dovecot")) {
            Path p = Path.of(candidate);
            if (Files.isExecutable(p) && (Files.exists(Path.of("/usr/lib/dovecot/lmtp"))
                    || Files.exists(Path.of("/usr/local/libexec/dovecot/lmtp")))) {
                return p;
            }
        }
        throw new IllegalStateException("Dovecot with LMTP not found: install dovecot-core and dovecot-lmtpd (see .ci/run)");
    }

    private static final Pattern MAILDIR_NAME = Pattern.compile("^(\\d+)\\.M(\\d+)");

    /** Maildir names start with seconds and microseconds ({@code 1700000000.M123456P...}). */
    private static final Comparator<Path> MAILDIR_ORDER = Comparator
            .comparingLong((Path p) -> nameNumber(p, 1))
            .thenComparingLong(p -> nameNumber(p, 2))
            .thenComparing(p -> p.getFileName().toString());

    private static long nameNumber(Path p, int group) {
        Matcher m = MAILDIR_NAME.matcher(p.getFileName().toString());
        return m.find() ? Long.parseLong(m.group(group)) : Long.MAX_VALUE;
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort
        }
    }
}
