package org.postern.difftest;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A private Dovecot that only authenticates (no mail protocols), for Postfix's
 * {@code smtpd_sasl_type = dovecot} in the differential tests: passwords come from a
 * passwd-file with plain-text passwords, the auth socket is {@link #socket()} (mode 0666, so
 * Postfix's smtpd, running as {@code postfix}, can connect). Mechanisms PLAIN and LOGIN.
 */
final class DovecotAuth implements AutoCloseable {

    static final Path DOVECOT = Path.of("/usr/sbin/dovecot");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final Process process;

    private DovecotAuth(Path dir, Process process) {
        this.dir = dir;
        this.process = process;
    }

    /** Starts it in {@code dir} with these users (address to password). */
    static DovecotAuth start(Path dir, Map<String, String> users) throws IOException, InterruptedException {
        if (!Files.isExecutable(DOVECOT)) {
            throw new AssertionError("Dovecot is not installed: install dovecot-core (see .ci/run)");
        }
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        StringBuilder passwd = new StringBuilder();
        users.forEach((user, password) -> passwd.append(user).append(":{PLAIN}").append(password).append("::::::\n"));
        Path passwdFile = dir.resolve("passwd");
        Files.writeString(passwdFile, passwd);
        Files.setPosixFilePermissions(passwdFile, PosixFilePermissions.fromString("rw-r--r--"));
        boolean root = "root".equals(System.getProperty("user.name"));
        String user = System.getProperty("user.name");
        Path conf = dir.resolve("dovecot.conf");
        Files.writeString(conf, """
                base_dir = %1$s/run
                state_dir = %1$s/state
                instance_name = postern-difftest-auth-%2$d
                log_path = %1$s/dovecot.log
                protocols =
                listen = 127.0.0.1
                ssl = no
                disable_plaintext_auth = no
                auth_mechanisms = plain login
                auth_failure_delay = 0
                default_internal_user = %3$s
                default_login_user = %4$s
                passdb {
                  driver = passwd-file
                  args = %1$s/passwd
                }
                userdb {
                  driver = static
                  args = uid=65534 gid=65534 home=/nonexistent
                }
                service auth {
                  unix_listener %1$s/auth {
                    mode = 0666
                  }
                }
                """.formatted(dir, ProcessHandle.current().pid(), root ? "dovecot" : user, root ? "dovenull" : user));
        Process p = new ProcessBuilder(DOVECOT.toString(), "-F", "-c", conf.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("dovecot.out").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        DovecotAuth auth = new DovecotAuth(dir, p);
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!auth.accepts()) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                auth.close();
                throw new IOException("Dovecot auth did not start; log:\n" + auth.log());
            }
            p.waitFor(20, TimeUnit.MILLISECONDS);   // a wait on the process, woken early if it dies
        }
        return auth;
    }

    Path socket() {
        return dir.resolve("auth");
    }

    private boolean accepts() {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket()));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    String log() throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String f : new String[] {"dovecot.log", "dovecot.out"}) {
            Path p = dir.resolve(f);
            if (Files.exists(p)) {
                sb.append(Files.readString(p));
            }
        }
        return sb.toString();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
