package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real {@code postern serve} process for crash tests: started from this test JVM's class
 * path with a configuration directory, killed with SIGKILL by the test and started again on
 * the same data. Its maillog and standard output are files the test reads.
 */
final class PosternProcess {

    private static final Pattern MESSAGE_ID = Pattern.compile("(?m)^Message-ID: <([^>]+)>");

    private final Path config;
    private final Path log;
    private final Path stdout;

    /**
     * @param config the directory with main.cf (whose maillog_file is {@code log}) and master.cf
     * @param stdout where the process's standard output and error go (appended)
     */
    PosternProcess(Path config, Path log, Path stdout) {
        this.config = config;
        this.log = log;
        this.stdout = stdout;
    }

    /** Starts {@code postern serve} and waits until it logs "daemon started" for the n-th time. */
    Process start(int nth) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "org.postern.cli.Main", "-c", config.toString(), "serve")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(stdout.toFile()))
                .start();
        TestPostern.await(() -> count("daemon started") >= nth || !p.isAlive(), Duration.ofSeconds(60), "daemon started #" + nth);
        assertThat(p.isAlive()).as(logText() + output()).isTrue();
        return p;
    }

    String logText() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "";
        }
    }

    /** How many maillog lines contain {@code text}. */
    long count(String text) {
        return logText().lines().filter(l -> l.contains(text)).count();
    }

    String output() {
        try {
            return Files.readString(stdout);
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Message-ID of every message in a Maildir (new/ and cur/), with how often it is there. */
    static Map<String, Integer> messageIds(Path maildir) {
        Map<String, Integer> seen = new HashMap<>();
        for (String sub : List.of("new", "cur")) {
            Path d = maildir.resolve(sub);
            if (!Files.isDirectory(d)) {
                continue;
            }
            try (Stream<Path> files = Files.list(d)) {
                for (Path f : files.toList()) {
                    Matcher m = MESSAGE_ID.matcher(Files.readString(f));
                    if (m.find()) {
                        seen.merge(m.group(1), 1, Integer::sum);
                    }
                }
            } catch (IOException e) {
                // a file renamed from tmp/ while listing: counted on the next poll
            }
        }
        return seen;
    }
}
