package org.postern.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import org.postern.dkim.DkimVerification;
import org.postern.dkim.DkimVerifier;
import org.postern.dkim.HeaderField;
import org.postern.dkim.MessageReader;
import org.postern.dkim.SignatureResult;
import org.postern.dmarc.AuthorDomain;
import org.postern.dmarc.DkimCheck;
import org.postern.dmarc.Dmarc;
import org.postern.dmarc.DmarcVerdict;
import org.postern.dmarc.SpfCheck;
import org.postern.dns.DnsResolver;
import org.postern.spf.Spf;
import org.postern.spf.SpfDns;
import org.postern.spf.SpfVerdict;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code postern dmarc check}: SPF, DKIM and DMARC (RFC 9989) for one message from the command line. */
@Command(name = "dmarc", description = "DMARC (RFC 9989) tools.", subcommands = DmarcCommand.Check.class)
final class DmarcCommand {

    private DmarcCommand() {
    }

    @Command(name = "check", description = {
        "Evaluate SPF (MAIL FROM identity, for exactly the IP given), every DKIM signature and DMARC",
        "for a message, as Postern does for incoming mail. Prints one key=value per line:",
        "spf=, dkim= (pass if any signature passes), dmarc= (pass, fail, none, temperror, permerror),",
        "policy= (none, quarantine or reject: what to apply after t=; none unless dmarc=fail),",
        "org_domain=, spf_aligned= and dkim_aligned= (yes or no), then an indented trace.",
        "DNS servers come from --dns-server, else dns_servers of -c DIR, else the system resolver.",
        "Exit status: 0 when a result was computed, 1 for bad arguments or an unreadable file."})
    static final class Check extends ContextCommand {
        @Mixin
        SenderCheckOptions check;

        @Option(names = "--now", paramLabel = "EPOCH", description = "Verify DKIM as of this time (seconds since 1970) for t= and x=.")
        Long now;

        @Parameters(paramLabel = "FILE", description = "The message (RFC 5322; bare LF accepted), or - for standard input.")
        String file;

        @Override
        protected int run(Context context) throws Exception {
            InetAddress client = check.clientIp();
            DnsResolver resolver = check.resolver(context);
            String sender = check.sender;
            String helo = check.helo;
            InstantSource clock = now == null ? InstantSource.system() : InstantSource.fixed(Instant.ofEpochSecond(now));

            // DKIM streams the body through its hashes; only the header section is held.
            List<HeaderField> headers;
            DkimVerification dkim;
            try (InputStream in = DkimCommand.open(file)) {
                headers = MessageReader.readHeaders(in);
                DkimVerifier.Session session = new DkimVerifier(resolver::txt, clock).begin(headers);
                byte[] buf = new byte[65536];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    session.body(buf, 0, n);
                }
                dkim = session.finish();
            } catch (IOException e) {
                throw new CliException("cannot read " + file + ": " + e.getMessage());
            }

            // SPF of the MAIL FROM identity; for <> that is postmaster@HELO (RFC 7208 section 2.4),
            // which is also the SPF Domain DMARC aligns (RFC 9989 section 3.2).
            SpfVerdict spf = new Spf(SpfDns.of(resolver)).checkMailFrom(client, sender, helo);
            String spfDomain = sender.isEmpty() || sender.equals("<>") ? helo
                    : sender.substring(sender.lastIndexOf('@') + 1);

            AuthorDomain author = AuthorDomain.extract(headers);
            DmarcVerdict dmarc = new Dmarc(resolver::txt, Dmarc.OrganizationalDomain.ALWAYS).evaluate(author, new SpfCheck(spf.result(), spfDomain),
                    DkimCheck.of(dkim));

            var out = out();
            out.println("spf=" + spf.result().word());
            out.println("dkim=" + dkim.result().word());
            out.println("dmarc=" + dmarc.result().word());
            out.println("policy=" + dmarc.disposition().word());
            out.println("org_domain=" + dmarc.organizationalDomain());
            out.println("spf_aligned=" + (dmarc.spfAligned() ? "yes" : "no"));
            out.println("dkim_aligned=" + (dmarc.dkimAligned() ? "yes" : "no"));
            out.println("  spf: " + spf.result().word() + " for " + (sender.isEmpty() ? "<> (postmaster@" + helo + ")" : sender)
                    + " from " + client.getHostAddress());
            int i = 0;
            for (SignatureResult s : dkim.signatures()) {
                out.println("  dkim signature " + ++i + ": " + s.describe());
            }
            if (!author.problem().isEmpty()) {
                out.println("  author: " + author.problem());
            }
            for (String line : dmarc.trace()) {
                out.println("  dmarc: " + line);
            }
            out.flush();
            return 0;
        }
    }
}
