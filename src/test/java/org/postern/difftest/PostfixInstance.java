package org.postern.difftest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A private Debian Postfix 3.7 instance for tests, run as the reply oracle of the differential
 * tests (see {@code /work/shared/docs/postfix-baseline.md} for the recipe it follows).
 *
 * <p>Everything lives in one folder: {@code etc/} (main.cf, master.cf and any table files the
 * test writes with {@link #file}), {@code queue/}, {@code data/} and the log file {@code maillog}.
 * The instance listens on one free loopback port ({@link #port()}) with an {@code smtpd} whose
 * {@code -o} overrides the caller may add (or on several, {@link #port(String)}), and trusts {@code 127.0.0.0/8} for XCLIENT, so a test
 * client can impersonate any client address and DNS state. Nothing leaves the machine: the
 * default transport is {@code error:} and hosted mailboxes go to {@code discard:}. The system
 * Postfix instance (if any) is never touched.
 *
 * <p>Usage:
 * <pre>{@code
 * try (PostfixInstance pf = PostfixInstance.start(dir, "smtpd_helo_required = yes\n", List.of())) {
 *     Socket s = new Socket("127.0.0.1", pf.port());
 *     ...
 * }
 * }</pre>
 * The caller's main.cf text is appended after the base settings, so it can override them (the
 * last setting of a parameter wins, as in Postfix). Table files for {@code texthash:} tables can
 * be written anywhere readable by the {@code postfix} user; {@link #file} puts them in {@code etc/}.
 *
 * <p>Starting fails with a message naming {@code .ci/run} when Postfix is not installed. Like
 * any Postfix master, the instance must be started as root (the CI machine's user); its daemons
 * drop to the {@code postfix} user.
 */
public final class PostfixInstance implements AutoCloseable {

    public static final Path POSTFIX = Path.of("/usr/sbin/postfix");
    private static final Path PACKAGED_MASTER_CF = Path.of("/etc/postfix/master.cf");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final Path config;
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final String nameserver;
    private boolean running;
    private final Thread shutdownHook = new Thread(this::close, "private-postfix-stop");

    private PostfixInstance(Path dir, String nameserver) {
        this.dir = dir;
        this.config = dir.resolve("etc");
        this.nameserver = nameserver;
    }

    /** True when Debian's Postfix is installed (the binary and its packaged master.cf). */
    public static boolean installed() {
        return Files.isExecutable(POSTFIX) && Files.isRegularFile(PACKAGED_MASTER_CF);
    }

    /**
     * Writes the configuration into {@code dir} and starts the instance; returns once it greets.
     *
     * @param mainCf        extra main.cf lines, appended after the base settings
     * @param smtpdOverrides {@code -o name=value} overrides for the test listener, without the "-o"
     */
    public static PostfixInstance start(Path dir, String mainCf, List<String> smtpdOverrides) throws IOException, InterruptedException {
        return start(dir, mainCf, Map.of("smtpd", smtpdOverrides), null);
    }

    /**
     * As {@link #start(Path, String, List)} with several smtpd listeners, each on its own free
     * port ({@link #port(String)}) with its own {@code -o} overrides, and optionally a private
     * DNS resolver.
     *
     * <p>Postfix resolves through the C library, which reads {@code /etc/resolv.conf} (port 53
     * only) and {@code /etc/hosts}. With a {@code nameserver} the master is started in a private
     * mount namespace ({@code unshare --mount}) where both files are replaced by bind mounts of
     * files in {@code dir/resolver/}: {@code nameserver} (an address whose port 53 is a test DNS
     * server) and {@code 127.0.0.1 localhost}. All Postfix daemons inherit the namespace; the
     * machine's own files are never changed.
     *
     * @param listeners  listener name to {@code -o name=value} overrides, in master.cf order
     * @param nameserver the IP address of the DNS server Postfix must use, or null for the system's
     */
    public static PostfixInstance start(Path dir, String mainCf, Map<String, List<String>> listeners, String nameserver)
            throws IOException, InterruptedException {
        if (!installed()) {
            throw new AssertionError("Postfix is not installed: install postfix (Debian package; see .ci/run, which installs it)");
        }
        PostfixInstance pf = new PostfixInstance(dir, nameserver);
        for (String name : listeners.keySet()) {
            pf.ports.put(name, freePort());
        }
        pf.writeConfig(mainCf, listeners);
        pf.startAndAwait();
        return pf;
    }

    /** The port of the first (or only) listener. */
    public int port() {
        return ports.values().iterator().next();
    }

    /** The port of a named listener. */
    public int port(String listener) {
        Integer p = ports.get(listener);
        if (p == null) {
            throw new IllegalArgumentException("no listener " + listener + "; listeners: " + ports.keySet());
        }
        return p;
    }

    public Path directory() {
        return dir;
    }

    /** The instance's configuration folder (main.cf, master.cf, table files). */
    public Path configDirectory() {
        return config;
    }

    public Path log() {
        return dir.resolve("maillog");
    }

    public String logText() throws IOException {
        return Files.exists(log()) ? Files.readString(log()) : "";
    }

    /** Writes a world-readable file into the configuration folder; returns its absolute path. */
    public static Path writeTable(Path folder, String name, String text) throws IOException {
        Files.createDirectories(folder);
        Path p = folder.resolve(name);
        Files.writeString(p, text);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
        return p.toAbsolutePath();
    }

    /** Writes a table file into this instance's configuration folder. */
    public Path file(String name, String text) throws IOException {
        return writeTable(config, name, text);
    }

    private void writeConfig(String mainCf, Map<String, List<String>> listeners) throws IOException {
        Files.createDirectories(config);
        Files.createDirectories(dir.resolve("queue"));
        Files.createDirectories(dir.resolve("data"));
        // The postfix user must reach the folders (a JUnit temp dir is 0700).
        for (Path p = dir; p != null && p.getNameCount() > 1; p = p.getParent()) {
            if (p.startsWith(Path.of(System.getProperty("java.io.tmpdir"))) && !p.equals(Path.of(System.getProperty("java.io.tmpdir")))) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
        Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(config.resolve("main.cf"), """
                compatibility_level = 3.6
                myhostname = mx.example.test
                mydomain = example.test
                mydestination =
                inet_interfaces = 127.0.0.1
                inet_protocols = ipv4
                mynetworks = 192.0.2.0/24
                queue_directory = %s
                data_directory = %s
                maillog_file = %s
                maillog_file_prefixes = /
                syslog_name = postfix-difftest
                alias_maps =
                alias_database =
                local_recipient_maps =
                relay_domains =
                default_transport = discard:
                relay_transport = discard:
                local_transport = error:no local delivery in tests
                virtual_transport = discard:
                smtpd_authorized_xclient_hosts = 127.0.0.0/8
                smtpd_error_sleep_time = 0s
                smtpd_client_connection_rate_limit = 0
                anvil_rate_time_unit = 60s
                biff = no
                %s
                """.formatted(dir.resolve("queue"), dir.resolve("data"), log(), mainCf));
        Files.writeString(config.resolve("master.cf"), masterCf(listeners));
        if (nameserver != null) {
            Path resolver = dir.resolve("resolver");
            // One try with a short timeout: a scenario that simulates a DNS timeout waits this long.
            writeTable(resolver, "resolv.conf", "nameserver " + nameserver + "\noptions timeout:2 attempts:1\n");
            writeTable(resolver, "hosts", "127.0.0.1 localhost\n");
        }
    }

    /** The packaged master.cf without its port-25 listener, never chrooted, plus the test listeners. */
    private String masterCf(Map<String, List<String>> listeners) throws IOException {
        StringBuilder out = new StringBuilder();
        boolean skipping = false;
        for (String line : Files.readAllLines(PACKAGED_MASTER_CF)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            if (Character.isWhitespace(line.charAt(0))) {   // continuation of the previous entry
                if (!skipping) {
                    out.append(line).append('\n');
                }
                continue;
            }
            String[] f = line.trim().split("\\s+", 8);
            skipping = f.length >= 2 && f[1].equals("inet");
            if (skipping) {
                continue;
            }
            if (f.length >= 8) {
                f[4] = "n";   // chroot column
                out.append(String.join(" ", f)).append('\n');
            } else {
                out.append(line).append('\n');
            }
        }
        for (var l : listeners.entrySet()) {
            out.append("127.0.0.1:").append(ports.get(l.getKey())).append(" inet n - n - - smtpd\n");
            for (String o : l.getValue()) {
                out.append("  -o ").append(o).append('\n');
            }
        }
        return out.toString();
    }

    private void startAndAwait() throws IOException, InterruptedException {
        run("chown", "-R", "postfix", dir.resolve("data").toString());
        run(POSTFIX.toString(), "-c", config.toString(), "set-permissions");
        if (nameserver == null) {
            run(POSTFIX.toString(), "-c", config.toString(), "start");
        } else {
            Path resolver = dir.resolve("resolver");
            run("unshare", "--mount", "--propagation", "private", "sh", "-c",
                    "mount --bind \"$1\" /etc/resolv.conf && mount --bind \"$2\" /etc/hosts && exec \"$3\" -c \"$4\" start",
                    "sh", resolver.resolve("resolv.conf").toString(), resolver.resolve("hosts").toString(),
                    POSTFIX.toString(), config.toString());
        }
        running = true;
        Runtime.getRuntime().addShutdownHook(shutdownHook);   // a JVM that dies leaves no master behind
        for (int port : ports.values()) {
            awaitGreeting(port);
        }
    }

    private void awaitGreeting(int port) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        IOException last = null;
        while (Instant.now().isBefore(deadline)) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                s.setSoTimeout(10_000);
                String greeting = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII)).readLine();
                if (greeting != null && greeting.startsWith("220")) {
                    return;
                }
                last = new IOException("greeting: " + greeting);
            } catch (IOException e) {
                last = e;
            }
            Thread.sleep(25);   // polling interval of a deadline wait
        }
        close();
        throw new IOException("private Postfix did not greet on port " + port + " within " + START_TIMEOUT
                + "; log:\n" + logText(), last);
    }

    /** Stops the instance and waits until its master process has exited. */
    @Override
    public synchronized void close() {
        if (!running) {
            return;
        }
        running = false;
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down
            }
        }
        Path pidFile = dir.resolve("queue/pid/master.pid");
        long pid = -1;
        try {
            if (Files.exists(pidFile)) {
                pid = Long.parseLong(Files.readString(pidFile).trim());
            }
            run(POSTFIX.toString(), "-c", config.toString(), "stop");
        } catch (IOException | InterruptedException | NumberFormatException e) {
            // fall through to the wait; nothing else to do
        }
        if (pid > 0) {
            ProcessHandle.of(pid).ifPresent(h -> {
                try {
                    h.onExit().get(20, TimeUnit.SECONDS);
                } catch (Exception e) {
                    h.destroyForcibly();
                }
            });
        }
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + String.join(" ", command));
        }
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "):\n" + output);
        }
    }

    static int freePort() throws IOException {
        return org.postern.testing.FreePorts.next();
    }
}
