package org.postern.cli;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import org.postern.config.ConfigException;
import org.postern.dns.DnsResolver;
import picocli.CommandLine.Option;

/**
 * The options of a command that checks a sending SMTP client as Postern checks incoming mail
 * ({@code spf check}, {@code dmarc check}): who the client is (--ip, --helo, --sender) and
 * which DNS servers to ask. Used as a picocli {@code @Mixin}.
 */
final class SenderCheckOptions {

    @Option(names = "--ip", required = true, paramLabel = "IP", description = "The SMTP client's IPv4 or IPv6 address.")
    String ip;

    @Option(names = "--helo", required = true, paramLabel = "NAME", description = "The HELO/EHLO name.")
    String helo;

    @Option(names = "--sender", paramLabel = "ADDR", defaultValue = "",
            description = "The MAIL FROM address; empty for the null reverse path <> (SPF then checks postmaster@HELO).")
    String sender;

    @Option(names = "--dns-server", paramLabel = "HOST:PORT",
            description = "DNS server to ask (repeatable), e.g. 127.0.0.1:5353; default: dns_servers of -c DIR, "
                    + "else the system resolver.")
    List<String> dnsServers;

    @Option(names = "--dns-timeout", paramLabel = "SECONDS", defaultValue = "5",
            description = "Timeout of one DNS query; default: ${DEFAULT-VALUE}.")
    int dnsTimeout;

    /** The --ip value as an address; a literal only, never a name to look up. */
    InetAddress clientIp() {
        String t = ip.trim();
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
        throw new CliException("--ip: '" + ip + "' is not an IPv4 or IPv6 address");
    }

    /** A resolver for --dns-server, else dns_servers of -c DIR, else the system's resolvers. */
    DnsResolver resolver(Context context) throws ConfigException {
        List<String> servers = dnsServers;
        if (servers == null || servers.isEmpty()) {
            // Only read the configuration when one was given: no config, no database otherwise.
            servers = context.configDir() != null ? context.parameters().list("dns_servers") : List.of();
        }
        try {
            return DnsResolver.create(servers, Duration.ofSeconds(Math.max(1, dnsTimeout)));
        } catch (IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
    }
}
