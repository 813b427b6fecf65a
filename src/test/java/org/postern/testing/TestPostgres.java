package org.postern.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server for tests, shared by every test class of one JVM.
 *
 * <p>If {@code POSTERN_TEST_PG_URL} is set (a {@code postgresql://user@host:port/} URL of a
 * server whose user may create databases), that server is used. Otherwise this class starts a
 * private server from the Debian {@code postgresql} package ({@code /usr/lib/postgresql/N/bin})
 * in a temporary directory, listening on a free loopback port, and stops it when the JVM exits.
 * PostgreSQL refuses to run as root, so as root the server runs as the {@code postgres} system
 * user through {@code runuser}.
 *
 * <p>Each call to {@link #createDatabase()} returns a new empty database, so test classes do not
 * see each other's rows.
 */
public final class TestPostgres {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static TestPostgres instance;

    private final String host;
    private final int port;
    private final String user;
    /** For a server this class started: how to stop and start it again; null for an outside server. */
    private final Control control;

    private record Control(Path bin, Path dir, Path data, List<String> asUser) {
    }

    private TestPostgres(String host, int port, String user, Control control) {
        this.host = host;
        this.port = port;
        this.user = user;
        this.control = control;
    }

    /**
     * A private server of its own, not the shared one, for tests that take the database away:
     * {@link #stop()} and {@link #start()} it at will; {@link #close()} removes it. Always from
     * the local PostgreSQL binaries, even when {@code POSTERN_TEST_PG_URL} is set.
     */
    public static TestPostgres startOwn() {
        return startPrivate();
    }

    /** Stops a server this class started (fast shutdown: open connections are ended). */
    public void stop() {
        requireControl();
        run(concat(control.asUser(), List.of(control.bin().resolve("pg_ctl").toString(), "-D", control.data().toString(),
                "-w", "-t", "60", "-m", "fast", "stop")), Duration.ofSeconds(90));
    }

    /** Starts a stopped server again, on the same port with the same data. */
    public void start() {
        requireControl();
        run(concat(control.asUser(), List.of(control.bin().resolve("pg_ctl").toString(), "-D", control.data().toString(),
                "-w", "-t", "60", "-l", control.dir().resolve("server.log").toString(), "-o",
                "-h 127.0.0.1 -p " + port + " -k " + control.dir() + " -F -c fsync=off -c full_page_writes=off",
                "start")), Duration.ofSeconds(90));
    }

    /** Stops a server of {@link #startOwn()} for good and deletes its files. */
    public void close() {
        requireControl();
        stopImmediately(control);
    }

    private void requireControl() {
        if (control == null) {
            throw new IllegalStateException("only a server started by TestPostgres.startOwn() can be stopped or started");
        }
    }

    private static void stopImmediately(Control c) {
        try {
            run(concat(c.asUser(), List.of(c.bin().resolve("pg_ctl").toString(), "-D", c.data().toString(), "-m",
                    "immediate", "stop")), Duration.ofSeconds(30));
        } catch (RuntimeException alreadyStopped) {
            // stopped before (or by a test); only the files are left to remove
        }
        deleteTree(c.dir());
    }

    /** The shared server, started on first use. */
    public static synchronized TestPostgres get() {
        if (instance == null) {
            String url = System.getenv("POSTERN_TEST_PG_URL");
            instance = url != null && !url.isBlank() ? fromUrl(url) : startPrivate();
        }
        return instance;
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String user() {
        return user;
    }

    /** A fresh database; returns its name. */
    public String createDatabase() {
        String name = "postern_test_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"), user, "");
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name + ": " + e.getMessage(), e);
        }
        return name;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database + "?user=" + user;
    }

    /** The URL form Postern's {@code database_url} takes. */
    public String databaseUrl(String database) {
        return "postgresql://" + user + "@" + host + ":" + port + "/" + database;
    }

    private static TestPostgres fromUrl(String url) {
        java.net.URI uri = java.net.URI.create(url);
        String userInfo = uri.getUserInfo() == null ? "postgres" : uri.getUserInfo();
        return new TestPostgres(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(), userInfo, null);
    }

    private static TestPostgres startPrivate() {
        Path bin = findBinDir();
        try {
            Path dir = Files.createTempDirectory("postern-pg-");
            Path data = dir.resolve("data");
            int port;
            try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = probe.getLocalPort();
            }
            boolean root = "root".equals(System.getProperty("user.name"));
            List<String> asUser = root ? List.of("runuser", "-u", "postgres", "--") : List.of();
            if (root) {
                run(List.of("chown", "-R", "postgres", dir.toString()), Duration.ofSeconds(30));
            }
            run(concat(asUser, List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres",
                    "-A", "trust", "-E", "UTF8", "--no-sync")), Duration.ofSeconds(120));
            Control control = new Control(bin, dir, data, asUser);
            TestPostgres server = new TestPostgres("127.0.0.1", port, "postgres", control);
            server.start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                if (Files.exists(dir)) {
                    stopImmediately(control);
                }
            }));
            return server;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start a test PostgreSQL: " + e.getMessage(), e);
        }
    }

    private static Path findBinDir() {
        Path base = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(base)) {
            try (Stream<Path> versions = Files.list(base)) {
                var found = versions.map(v -> v.resolve("bin"))
                        .filter(b -> Files.isExecutable(b.resolve("pg_ctl")))
                        .max(Comparator.comparing(p -> Integer.parseInt(p.getParent().getFileName().toString().replaceAll("\\D", "0"))));
                if (found.isPresent()) {
                    return found.get();
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("no PostgreSQL server binaries under /usr/lib/postgresql: "
                + "install the Debian package 'postgresql' (see .ci/run) or set POSTERN_TEST_PG_URL");
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static void run(List<String> command, Duration timeout) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + command);
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("failed (" + p.exitValue() + "): " + command + "\n" + new String(out));
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort at JVM exit
        }
    }

}
