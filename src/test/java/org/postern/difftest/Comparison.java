package org.postern.difftest;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.postern.cli.TestPostern;
import org.postern.difftest.SmtpScript.Exchange;

/**
 * The comparing half of a differential test: runs scenarios against a Postfix and a Postern
 * port, compares every reply (after {@link #normalize}), writes a transcript and collects the
 * differences. Thread-safe: configurations may run in parallel, each with its own report.
 */
final class Comparison {

    record Difference(String scenario, String command, String postfix, String postern) {
    }

    private final List<Difference> differences = new ArrayList<>();
    private final Set<String> excluded;

    /** @param excluded scenario ids ("config/name") whose difference is deliberate */
    Comparison(Set<String> excluded) {
        this.excluded = excluded;
    }

    /** Runs each scenario against both servers, appending the transcript to {@code report}. */
    void run(List<Scenario> scenarios, int postfixPort, int posternPort, StringBuilder report) throws IOException {
        for (Scenario sc : scenarios) {
            if (excluded.contains(sc.id())) {   // deliberate difference, see docs/postfix-differences.md
                report.append("== ").append(sc.id()).append(" (excluded, see docs/postfix-differences.md)\n");
                continue;
            }
            List<String> script = sc.script();
            long ta = System.nanoTime();
            List<Exchange> a = SmtpScript.run(sc.connectFrom, postfixPort, script, sc.message);
            long tb = System.nanoTime();
            List<Exchange> b = SmtpScript.run(sc.connectFrom, posternPort, script, sc.message);
            long tc = System.nanoTime();
            report.append("== ").append(sc.id()).append("   (postfix ").append((tb - ta) / 1_000_000)
                    .append(" ms, postern ").append((tc - tb) / 1_000_000).append(" ms)\n");
            int n = Math.max(a.size(), b.size());
            for (int i = 0; i < n; i++) {
                Exchange x = i < a.size() ? a.get(i) : null;
                Exchange y = i < b.size() ? b.get(i) : null;
                String command = x != null ? x.command() : y.command();
                String px = x == null ? "(nothing)" : normalize(x);
                String py = y == null ? "(nothing)" : normalize(y);
                boolean same = px.equals(py);
                report.append(same ? "   " : "!! ").append(command).append("\n      postfix: ")
                        .append(px.replace("\n", "\n               ")).append('\n');
                if (!same) {
                    report.append("      postern: ").append(py.replace("\n", "\n               ")).append('\n');
                    synchronized (differences) {
                        differences.add(new Difference(sc.id(), command, px, py));
                    }
                }
            }
        }
    }

    /** Writes the transcript to target/{@code fileName} and fails when any reply differed. */
    void finish(String fileName, CharSequence report) throws IOException {
        Path target = Path.of("target");
        if (Files.isDirectory(target)) {
            Files.writeString(target.resolve(fileName), report);
        }
        synchronized (differences) {
            if (!differences.isEmpty()) {
                fail(differences.size() + " replies differ between Postfix and Postern:\n" + table(differences));
            }
        }
    }

    /** Postern's start configures the global log; one at a time. */
    static synchronized TestPostern startPostern(Path dir, String mainCf) throws Exception {
        return TestPostern.start(dir, mainCf);
    }

    /** Greeting and EHLO/HELO replies name the software: compare their codes only. */
    static String normalize(Exchange e) {
        String c = e.command().toUpperCase();
        String r = e.reply();
        if (r.startsWith("220 ") && (c.equals("(CONNECT)") || c.startsWith("XCLIENT"))) {
            return "220 (greeting)";
        }
        if ((c.startsWith("EHLO") || c.startsWith("HELO")) && r.startsWith("250")) {
            return "250 (helo reply)";
        }
        // The reason of a failed login comes from the SASL back end: Dovecot's "(reason
        // unavailable)" in this test, Cyrus's "authentication failure", which Postern sends.
        r = r.replaceFirst("^535 5\\.7\\.8 Error: authentication failed: (\\(reason unavailable\\)|authentication failure)$",
                "535 5.7.8 Error: authentication failed: (reason from the SASL back end)");
        if (r.startsWith("<closed")) {
            return "<closed>";   // "connection reset" or an orderly close: both a hang-up
        }
        return r.replaceAll("queued as [0-9A-Za-z]+", "queued as ID");
    }

    static String table(List<Difference> diffs) {
        StringBuilder sb = new StringBuilder();
        for (Difference d : diffs) {
            sb.append("- ").append(d.scenario()).append(" | ").append(d.command()).append('\n')
                    .append("    postfix: ").append(d.postfix().replace("\n", "\n             ")).append('\n')
                    .append("    postern: ").append(d.postern().replace("\n", "\n             ")).append('\n');
        }
        return sb.toString();
    }
}
