package org.postern.cli;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import org.postern.dns.DnsResolver;
import org.postern.spf.Spf;
import org.postern.spf.SpfDns;
import org.postern.spf.SpfResult;
import org.postern.spf.SpfVerdict;
import picocli.CommandLine.Command;
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
        @Option(names = "--ip", required = true, paramLabel = "IP", description = "The SMTP client's IPv4 or IPv6 address.")
        String ip;

        @Option(names = "--helo", required = true, paramLabel = "NAME", description = "The HELO/EHLO name.")
        String helo;

        @Option(names = "--sender", paramLabel = "ADDR", defaultValue = "",
                description = "The MAIL FROM address; empty for the null reverse path <>.")
        String sender;

        @Option(names = "--identity", paramLabel = "mailfrom|helo", defaultValue = "mailfrom",
                description = "Which identity to check (RFC 7208 section 2.3, 2.4); default: ${DEFAULT-VALUE}.")
        String identity;

        @Option(names = "--dns-server", paramLabel = "HOST:PORT",
                description = "DNS server to ask (repeatable), e.g. 127.0.0.1:5353.")
        List<String> dnsServers;

        @Option(names = "--dns-timeout", paramLabel = "SECONDS", defaultValue = "5",
                description = "Timeout of one DNS query; default: ${DEFAULT-VALUE}.")
        int dnsTimeout;

        @Override
        protected int run(Context context) throws Exception {
            InetAddress client = parseIp(ip);
            List<String> servers = dnsServers;
            if (servers == null || servers.isEmpty()) {
                // Only read the configuration when one was given: no config, no database otherwise.
                servers = context.configDir() != null ? context.parameters().list("dns_servers") : List.of();
            }
            DnsResolver resolver;
            try {
                resolver = DnsResolver.create(servers, Duration.ofSeconds(Math.max(1, dnsTimeout)));
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage());
            }
            Spf spf = new Spf(SpfDns.of(resolver));
            SpfVerdict verdict = switch (identity) {
                case "mailfrom" -> spf.checkMailFrom(client, sender, helo);
                case "helo" -> spf.checkHelo(client, helo);
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

        static InetAddress parseIp(String text) {
            String t = text.trim();
            if (t.startsWith("[") && t.endsWith("]")) {
                t = t.substring(1, t.length() - 1);
            }
            boolean v4 = t.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
            boolean v6 = t.contains(":") && t.matches("[0-9A-Fa-f:.]+");
            if (v4 || v6) {
                try {
                    return InetAddress.getByName(t); // a literal: no DNS
                } catch (UnknownHostException e) {
                    // fall through
                }
            }
            throw new CliException("--ip: '" + text + "' is not an IPv4 or IPv6 address");
        }
    }
}
