import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.postern.testing.TestDnsServer;

/**
 * The project's test DNS server ({@code src/test/java/org/postern/testing/TestDnsServer.java})
 * as a process for the benchmark scripts: serves the records of a zone file on port 53 of a
 * random 127.53.x.y address (a port-53 address is what a resolv.conf can name: Postfix,
 * policyd-spf and OpenDMARC resolve through it; see bench/checks.sh).
 *
 * <pre>
 * java -cp target/test-classes:target/lib/* bench/BenchDns.java ZONE_FILE QUERY_COUNTS_FILE
 * </pre>
 * ZONE_FILE has one record a line, {@code NAME TYPE RDATA} with RDATA in zone-file syntax
 * ({@code sender.test TXT "v=spf1 ip4:127.0.0.1 -all"}); blank lines and lines starting with
 * {@code #} are skipped. Every record has TTL 300. Once it serves, the program prints {@code LISTENING ADDRESS PORT}. It
 * runs until it is terminated (SIGTERM); then it writes how often each {@code NAME TYPE} was asked,
 * one {@code COUNT NAME TYPE} a line, and a last line {@code TOTAL COUNT}, to QUERY_COUNTS_FILE.
 * Needs root (port 53).
 */
public final class BenchDns {

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: java -cp target/test-classes:target/lib/* bench/BenchDns.java ZONE_FILE QUERY_COUNTS_FILE");
            System.exit(2);
        }
        Path zone = Path.of(args[0]);
        Path counts = Path.of(args[1]);
        // Realistic TTLs, so that the caches of the servers measured (Postern's DNS cache,
        // OpenDKIM's libunbound, Postfix's DNSBL memory) work as they would in production.
        TestDnsServer dns = TestDnsServer.onPort53().defaultTtl(300);
        int lineNumber = 0;
        for (String line : Files.readAllLines(zone, StandardCharsets.UTF_8)) {
            lineNumber++;
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            String[] parts = trimmed.split("\\s+", 3);
            if (parts.length != 3) {
                System.err.println(zone + ":" + lineNumber + ": expected NAME TYPE RDATA, got: " + trimmed);
                System.exit(2);
            }
            try {
                dns.add(parts[0], parts[1], parts[2]);
            } catch (IllegalArgumentException e) {
                System.err.println(zone + ":" + lineNumber + ": " + e.getMessage());
                System.exit(2);
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> writeCounts(dns.queries(), counts)));
        System.out.println("LISTENING " + dns.host() + " " + dns.port());
        System.out.flush();
        Thread.currentThread().join();   // serves on its own threads until the process is terminated
    }

    private static void writeCounts(List<String> queries, Path file) {
        Map<String, Integer> byQuestion = new TreeMap<>();
        for (String q : queries) {
            byQuestion.merge(q, 1, Integer::sum);
        }
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8))) {
            byQuestion.forEach((question, count) -> out.println(count + " " + question));
            out.println("TOTAL " + queries.size());
        } catch (IOException e) {
            System.err.println("cannot write " + file + ": " + e.getMessage());
        }
    }
}
