package org.postern.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.postern.config.Configuration;
import org.postern.config.Listener;
import org.postern.dns.DnsResolver;
import org.postern.policy.Explainer;
import org.postern.policy.PolicyConfigException;
import org.postern.policy.PolicyEngine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code postern explain}: which rule decides for this client, and why. Plays the client
 * through one listener's SMTP stages with the engine's trace on (docs/explain.md).
 */
@Command(name = "explain", description = {
    "Show what happens to a client on a listener: every restriction list, restriction, table",
    "lookup and DNS answer, stage by stage, the reply each command gets, and for a refusal",
    "which list and restriction decided, where that list is set and the usual fix.",
    "Client names are looked up in DNS as the server does (PTR, then a forward lookup that",
    "must return the client address) unless --client-name or --reverse-name is given.",
    "Passwords are not checked: --login means AUTH succeeds where the listener offers it.",
    "Exit status 0 when every command is accepted, 3 when one is refused, 1 on errors."})
final class ExplainCommand extends ContextCommand {

    @Option(names = "--listener", paramLabel = "NAME",
            description = "master.cf service to explain, e.g. smtp or submission (default: smtp, else the first).")
    String listener;

    @Option(names = "--client-ip", paramLabel = "IP", required = true, description = "The client's IP address.")
    String clientIp;

    @Option(names = "--client-name", paramLabel = "NAME",
            description = "The verified client name; 'unknown' for none (default: DNS lookup).")
    String clientName;

    @Option(names = "--reverse-name", paramLabel = "NAME",
            description = "The PTR name; 'unknown' for none (default: the client name, or DNS).")
    String reverseName;

    @Option(names = "--helo", paramLabel = "NAME", description = "The EHLO name (default: the client sends no EHLO).")
    String helo;

    @Option(names = "--sender", paramLabel = "ADDR",
            description = "MAIL FROM address; an empty value is the null sender (default: no MAIL).")
    String sender;

    @Option(names = "--recipient", paramLabel = "ADDR", description = "RCPT TO address; repeat for several.")
    List<String> recipients = new ArrayList<>();

    @Option(names = "--login", paramLabel = "USER", description = "Authenticate (SASL) as USER.")
    String login;

    @Option(names = "--tls", description = "The client uses STARTTLS (implied on a wrapper-mode listener).")
    boolean tls;

    @Option(names = "--client-cert-fingerprint", paramLabel = "FP",
            description = "The client presents a TLS certificate with this fingerprint (colon-separated hex, "
                    + "digest smtpd_tls_fingerprint_digest), for permit_tls_clientcerts and check_ccert_access. "
                    + "Implies --tls.")
    String clientCertFingerprint;

    @Option(names = "--client-cert-pubkey-fingerprint", paramLabel = "FP",
            description = "The public-key fingerprint of that certificate. Implies --tls.")
    String clientCertPubkeyFingerprint;

    @Option(names = "--client-cert-cn", paramLabel = "CN",
            description = "The certificate's subject CN (named in check_ccert_access replies).")
    String clientCertCn;

    @Option(names = "--client-cert-trusted",
            description = "The certificate verifies against smtpd_tls_CAfile/smtpd_tls_CApath "
                    + "(for permit_tls_all_clientcerts). Implies --tls.")
    boolean clientCertTrusted;

    @Option(names = "--dns-server", paramLabel = "HOST:PORT",
            description = "DNS server to ask (default: dns_servers, else the system's resolvers).")
    String dnsServer;

    @Option(names = "--json", description = "Print the explanation as JSON.")
    boolean json;

    /** Fingerprints are compared as Postfix writes them: upper-case hex. */
    private static String upper(String fingerprint) {
        return fingerprint == null ? null : fingerprint.strip().toUpperCase(java.util.Locale.ROOT);
    }

    @Override
    protected int run(Context context) throws Exception {
        Configuration config = context.configuration();
        Listener l = pick(config, listener);
        if (!recipients.isEmpty() && sender == null) {
            throw new CliException("--recipient needs --sender (use --sender '' for the null sender)");
        }
        DnsResolver dns = DnsResolver.create(dnsServer != null ? List.of(dnsServer)
                : config.main().list("dns_servers"), config.main().time("dns_timeout"));
        Explainer.ClientCert cert = clientCertFingerprint == null && clientCertPubkeyFingerprint == null
                && !clientCertTrusted ? null : new Explainer.ClientCert(upper(clientCertFingerprint),
                upper(clientCertPubkeyFingerprint), clientCertCn, clientCertTrusted);
        Explainer.Request request = new Explainer.Request(clientIp, clientName, reverseName, helo, sender,
                recipients, login, tls, cert);
        Explainer.Explanation e = explain(context, config, l, dns, request);
        Explainer.Explanation other = null;
        Explainer.Request otherRequest = null;
        if (e.refusal() != null && e.refusal().submission() != null) {
            String user = login != null ? login : sender != null && !sender.isEmpty() ? sender : null;
            if (user != null) {
                otherRequest = request.on(user, true);
                other = explain(context, config, config.listener(e.refusal().submission()).orElseThrow(), dns,
                        otherRequest);
            }
        }
        if (json) {
            Map<String, Object> root = toMap(e);
            if (other != null) {
                root.put("alternative", toMap(other));
            }
            out().println(Json.write(root));
        } else {
            print(out(), e, l);
            if (other != null) {
                out().println();
                out().println("The same client on listener " + other.listener() + " (--listener " + other.listener()
                        + " --login " + otherRequest.login() + " --tls):");
                for (String line : other.summary()) {
                    out().println("  " + line);
                }
            }
        }
        return e.refusal() == null ? 0 : 3;
    }

    private static Explainer.Explanation explain(Context context, Configuration config, Listener l, DnsResolver dns,
                                                 Explainer.Request request) throws Exception {
        PolicyEngine engine;
        try {
            engine = new PolicyEngine(l.parameters(), context.tables(), dns);
        } catch (PolicyConfigException ex) {
            throw new CliException("listener " + l.name() + ": " + ex.getMessage());
        }
        try {
            return new Explainer(l, config.listeners(), engine, dns).explain(request);
        } catch (IllegalArgumentException ex) {
            throw new CliException(ex.getMessage());
        }
    }

    /** The named listener, else smtp, else the first one. */
    static Listener pick(Configuration config, String name) {
        List<String> names = config.listeners().stream().map(Listener::name).toList();
        if (config.listeners().isEmpty()) {
            throw new CliException("master.cf has no smtpd listener");
        }
        if (name == null) {
            return config.listener("smtp").orElse(config.listeners().getFirst());
        }
        return config.listener(name).orElseThrow(() -> new CliException("no listener named '" + name
                + "'; listeners: " + String.join(", ", names)));
    }

    private void print(PrintWriter out, Explainer.Explanation e, Listener l) {
        out.println("Client " + clientIp + " on listener " + e.listener() + " (port " + l.port() + "): client name "
                + e.clientName() + ", reverse name " + e.reverseName());
        for (Explainer.Command c : e.commands()) {
            out.println();
            if (!c.command().equals("(end)")) {
                out.println(c.command() + " -> " + c.reply());
            }
            for (Explainer.Step s : c.steps()) {
                out.println("    " + "  ".repeat(s.depth()) + (s.kind().equals("note") ? "note: " : "") + s.text());
            }
        }
        Explainer.Refusal r = e.refusal();
        out.println();
        if (r == null) {
            out.println("Every command is accepted.");
            return;
        }
        out.println("Why: " + r.why());
        if (r.fix() != null) {
            out.println("Fix: " + r.fix());
        }
    }

    private static Map<String, Object> toMap(Explainer.Explanation e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("listener", e.listener());
        m.put("client_name", e.clientName());
        m.put("reverse_client_name", e.reverseName());
        List<Object> commands = new ArrayList<>();
        for (Explainer.Command c : e.commands()) {
            Map<String, Object> cm = new LinkedHashMap<>();
            cm.put("command", c.command());
            cm.put("reply", c.reply());
            cm.put("accepted", c.accepted());
            List<Object> steps = new ArrayList<>();
            for (Explainer.Step s : c.steps()) {
                Map<String, Object> sm = new LinkedHashMap<>();
                sm.put("depth", s.depth());
                sm.put("kind", s.kind());
                sm.put("text", s.text());
                steps.add(sm);
            }
            cm.put("steps", steps);
            commands.add(cm);
        }
        m.put("commands", commands);
        Explainer.Refusal r = e.refusal();
        if (r == null) {
            m.put("refusal", null);
        } else {
            Map<String, Object> rm = new LinkedHashMap<>();
            rm.put("command", r.command());
            rm.put("reply", r.reply());
            rm.put("list", r.list());
            rm.put("restriction", r.restriction());
            rm.put("argument", r.argument());
            rm.put("origin", r.origin() == null ? null : r.origin().toString());
            rm.put("why", r.why());
            rm.put("fix", r.fix());
            rm.put("submission_listener", r.submission());
            m.put("refusal", rm);
        }
        return m;
    }
}
