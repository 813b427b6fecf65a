package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code postern serve} as a real process: starts, logs in Postfix's format, stops on SIGTERM. */
class ServeTest {

    @TempDir
    Path dir;

    private Process start(Path config) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        return new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "org.postern.cli.Main", "-c", config.toString(), "serve")
                .redirectErrorStream(true).start();
    }

    @Test
    void startsThenStopsCleanlyOnSigterm() throws Exception {
        Path config = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(config.resolve("main.cf"), "myhostname = mx.example.test\ninet_interfaces = 127.0.0.1\n"
                + "smtpd_peername_lookup = no\ndata_directory = " + dir.resolve("data") + "\n");
        Files.writeString(config.resolve("master.cf"), TestPostern.freePort() + " inet n - n - - smtpd\n");
        Process p = start(config);
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {   // ends when the process exits
                lines.add(line);
                if (line.contains("daemon started")) {
                    assertThat(line).matches("\\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d mx\\.example\\.test postern/master\\[\\d+\\]: "
                            + "daemon started -- version \\S+, configuration .*");
                    p.toHandle().destroy(); // SIGTERM, keeping our end of the pipe open
                }
            }
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            p.destroyForcibly();
        }
        assertThat(p.exitValue()).as(String.join("\n", lines)).isZero();
        assertThat(lines).anyMatch(l -> l.endsWith("terminating on signal 15"));
        assertThat(dir.resolve("data/postern.db")).exists();
    }

    @Test
    void refusesToStartWithABadConfiguration() throws Exception {
        Path config = Files.createDirectories(dir.resolve("bad"));
        Files.writeString(config.resolve("main.cf"), "message_size_limit = lots\n");
        Process p = start(config);
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(1);
        assertThat(output).contains(config.resolve("main.cf") + ":1: error: message_size_limit = lots")
                .doesNotContain("daemon started");
    }

    @Test
    void aPortInUseStopsStartUpNamingThePortAndTheFix() throws Exception {
        try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            Path config = Files.createDirectories(dir.resolve("busy"));
            Files.writeString(config.resolve("main.cf"), "inet_interfaces = 127.0.0.1\nsmtpd_peername_lookup = no\n"
                    + "data_directory = " + dir.resolve("data2") + "\n");
            Files.writeString(config.resolve("master.cf"), busy.getLocalPort() + " inet n - n - - smtpd\n");
            Process p = start(config);
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isEqualTo(1);
            assertThat(output).contains("cannot listen on 127.0.0.1 port " + busy.getLocalPort() + " for service "
                    + busy.getLocalPort()).contains("master.cf:1").contains("choose another port in master.cf")
                    .doesNotContain("daemon started");
        }
    }
}
