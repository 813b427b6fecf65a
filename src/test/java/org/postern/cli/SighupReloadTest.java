package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code postern serve} in its own process reloads on SIGHUP (a broken configuration is
 * refused, a good one applied) and still stops cleanly on SIGTERM.
 */
class SighupReloadTest {

    @TempDir
    Path dir;

    @Test
    void sighupReloadsAndSigtermStillStops() throws Exception {
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Path log = dir.resolve("maillog");
        Files.writeString(etc.resolve("main.cf"), """
                myhostname = mx.example.test
                data_directory = %s
                maillog_file = %s
                inet_interfaces = 127.0.0.1
                postern_admin_listen =
                dns_servers = 127.0.0.1:1
                """.formatted(dir.resolve("data"), log));
        Files.writeString(etc.resolve("master.cf"), "%d inet n - n - - smtpd\n".formatted(TestPostern.freePort()));
        Process serve = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "org.postern.cli.Main", "-c", etc.toString(), "serve")
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout").toFile()).start();
        try {
            awaitLog(log, "daemon started");

            Files.writeString(etc.resolve("main.cf"), "smtpd_helo_restrictions = reject_bogus_thing\n",
                    StandardOpenOption.APPEND);
            hup(serve);
            awaitLog(log, "reload refused: the running configuration");
            assertThat(Files.readString(log)).contains("main.cf:7: error: smtpd_helo_restrictions = reject_bogus_thing");

            List<String> lines = Files.readAllLines(etc.resolve("main.cf"));
            Files.write(etc.resolve("main.cf"), lines.subList(0, lines.size() - 1));
            hup(serve);
            awaitLog(log, "reload -- configuration");
            assertThat(serve.isAlive()).isTrue();
        } finally {
            serve.destroy();   // SIGTERM
            assertThat(serve.waitFor(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(serve.exitValue()).as(Files.readString(dir.resolve("stdout"))).isZero();
        assertThat(Files.readString(log)).contains("terminating on signal 15");
    }

    private static void hup(Process p) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
    }

    private static void awaitLog(Path log, String text) throws InterruptedException {
        TestPostern.await(() -> {
            try {
                return Files.exists(log) && Files.readString(log).contains(text);
            } catch (IOException e) {
                return false;
            }
        }, Duration.ofSeconds(30), "log line containing: " + text);
    }
}
