package org.postern.store.password;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code doveadm pw} (Debian package dovecot-core) so tests check our hashes
 * against Dovecot itself rather than against our own reading of its format.
 */
final class Doveadm {

    record Result(int exitCode, String output) {
    }

    private Doveadm() {
    }

    /** {@code doveadm pw -s SCHEME -p PASSWORD}: a new hash with its {SCHEME} prefix. */
    static String hash(String scheme, String password) {
        Result r = run(List.of("doveadm", "pw", "-s", scheme, "-p", password));
        if (r.exitCode() != 0) {
            throw new AssertionError("doveadm pw -s " + scheme + " failed (" + r.exitCode() + "): " + r.output());
        }
        return r.output().strip();
    }

    /** {@code doveadm pw -t HASH -p PASSWORD}: true if Dovecot accepts the password. */
    static boolean verifies(String hash, String password) {
        return run(List.of("doveadm", "pw", "-t", hash, "-p", password)).exitCode() == 0;
    }

    private static Result run(List<String> command) {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("cannot run doveadm (" + e.getMessage()
                    + "): install dovecot-core (apt-get install dovecot-core) to run the password tests", e);
        }
        try {
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("doveadm did not finish within 60 s: " + command);
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new AssertionError("reading doveadm output: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
