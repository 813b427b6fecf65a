package org.postern.cli;

import java.net.InetAddress;
import org.postern.dns.DnsResolver;
import org.postern.spf.Spf;
import org.postern.spf.SpfDns;
import org.postern.spf.SpfResult;
import org.postern.spf.SpfVerdict;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code postern spf check}: one SPF check (RFC 7208) from the command line. */
@Command(name = "spf", description = "SPF (RFC 7208) tools.", subcommands = SpfCommand.Check.class)
final class SpfCommand {

    @Command(name = "check", description = {
        "Evaluate SPF for a client IP, HELO name and MAIL FROM address, as Postern does for",
        "incoming mail. Prints the result word alone on the first line (pass, fail, softfail,",
        "neutral, none, permerror, temperror), then exp=TEXT for a fail with an explanation,",
        "then a trace of what was evaluated. An empty --sender (the null reverse path) checks",
        "postmaster@HELO. Needs no configuration; DNS servers come from --dns-server, else",
        "dns_servers of -c DIR, else the system resolver.",
        "Exit status: 0 when a result was computed, 1 for bad arguments."})
    static final class Check extends ContextCommand {
        @Mixin
        SenderCheckOptions check;

        @Option(names = "--identity", paramLabel = "mailfrom|helo", defaultValue = "mailfrom",
                description = "Which identity to check (RFC 7208 section 2.3, 2.4); default: ${DEFAULT-VALUE}.")
        String identity;

        @Override
        protected int run(Context context) throws Exception {
            InetAddress client = check.clientIp();
            DnsResolver resolver = check.resolver(context);
            Spf spf = new Spf(SpfDns.of(resolver));
            SpfVerdict verdict = switch (identity) {
                case "mailfrom" -> spf.checkMailFrom(client, check.sender, check.helo);
                case "helo" -> spf.checkHelo(client, check.helo);
                default -> throw new CliException("--identity must be mailfrom or helo, not '" + identity + "'");
            };
            out().println(verdict.result().word());
            if (verdict.result() == SpfResult.FAIL && !verdict.explanation().isEmpty()) {
                out().println("exp=" + verdict.explanation());
            }
            for (String line : verdict.trace()) {
                out().println("  " + line);
            }
            out().println("  DNS-querying terms: " + verdict.lookups());
            out().flush();
            return 0;
        }
    }
}
