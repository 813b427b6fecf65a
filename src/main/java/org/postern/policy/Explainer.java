package org.postern.policy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import org.postern.config.Listener;
import org.postern.config.Origin;
import org.postern.config.ParameterSet;
import org.postern.dns.DnsResolver;
import org.postern.dns.DnsResult;
import org.postern.dns.DnsStatus;
import org.postern.dns.MxHost;

/**
 * {@code postern explain}: plays one client through the SMTP stages of a listener (CONNECT,
 * EHLO, STARTTLS, AUTH, MAIL, each RCPT, DATA) and records, through {@link PolicyTrace}, every
 * list, restriction, lookup and DNS answer, the reply each command gets, and for the first
 * refusal which list and restriction decided, where that list is set, and the usual fix.
 *
 * <p>The protocol gates the server applies before the engine (TLS required, AUTH offered or not,
 * HELO required) follow {@code SmtpSession} and postfix-restrictions.md sections 1.6 and 5.
 * Passwords are not checked: {@code --login} means "AUTH succeeded if it is offered".
 */
public final class Explainer {

    /**
     * What the client is and sends.
     *
     * @param clientName  the verified client name; null to look it up in DNS as the server does,
     *                    {@code unknown} for no name
     * @param reverseName the PTR name; null for the same as clientName (or the DNS lookup)
     * @param helo        the EHLO name, or null for a client that sends none
     * @param sender      MAIL FROM (empty for the null sender), or null for no MAIL
     * @param login       the SASL login, or null for no AUTH
     * @param tls         true when the client uses STARTTLS (always true in wrapper mode)
     * @param clientCert  the TLS client certificate the client presents, or null (implies tls)
     */
    public record Request(String clientAddress, String clientName, String reverseName, String helo, String sender,
                          List<String> recipients, String login, boolean tls, ClientCert clientCert) {
        public Request {
            recipients = List.copyOf(recipients);
        }

        public Request(String clientAddress, String clientName, String reverseName, String helo, String sender,
                       List<String> recipients, String login, boolean tls) {
            this(clientAddress, clientName, reverseName, helo, sender, recipients, login, tls, null);
        }

        public Request on(String newLogin, boolean newTls) {
            return new Request(clientAddress, clientName, reverseName, helo, sender, recipients, newLogin, newTls,
                    clientCert);
        }
    }

    /**
     * A client certificate as the restrictions see it (docs/smtp-server.md, client certificates).
     *
     * @param fingerprint       the certificate fingerprint, or null
     * @param pubkeyFingerprint the public-key fingerprint, or null
     * @param cn                the subject CN (the reply name of check_ccert_access), or null
     * @param trusted           whether its chain verifies against smtpd_tls_CAfile/CApath
     */
    public record ClientCert(String fingerprint, String pubkeyFingerprint, String cn, boolean trusted) {
    }

    /** One line of the trace; {@code depth} is the nesting of lists. */
    public record Step(int depth, String kind, String text) {
    }

    /** One SMTP command with the reply it would get and what led there. */
    public record Command(String command, String reply, boolean accepted, List<Step> steps) {
    }

    /**
     * Why the first refused command was refused.
     *
     * @param list        the top-level list (or parameter) that decided, null for a protocol gate
     * @param restriction the restriction that rejected, or raised the defer_if_permit that did
     * @param origin      where {@code list} is set (main.cf or master.cf line, or built-in default)
     * @param submission  a listener where users log in, to try the same client on (null if none fits)
     */
    public record Refusal(String command, String reply, String list, String restriction, String argument,
                          Origin origin, String why, String fix, String submission) {
    }

    public record Explanation(String listener, String clientName, String reverseName, List<Command> commands,
                              Refusal refusal) {
        /** The command lines with their replies, e.g. {@code RCPT TO:<bob@example.net> -> 450 ...}. */
        public List<String> summary() {
            return commands.stream().map(c -> c.command() + " -> " + c.reply()).toList();
        }
    }

    private static final Set<String> HOST_CHECKS = Set.of("reject_unknown_reverse_client_hostname",
            "reject_unknown_client_hostname", "reject_invalid_helo_hostname", "reject_non_fqdn_helo_hostname",
            "reject_unknown_helo_hostname");

    private final Listener listener;
    private final List<Listener> listeners;
    private final PolicyEngine engine;
    private final DnsResolver dns;

    /**
     * @param listener  the listener to play the client on
     * @param listeners every listener (to suggest a submission listener in a fix)
     * @param dns       for the client name lookup; may be null when names are given
     */
    public Explainer(Listener listener, List<Listener> listeners, PolicyEngine engine, DnsResolver dns) {
        this.listener = listener;
        this.listeners = List.copyOf(listeners);
        this.engine = engine;
        this.dns = dns;
    }

    /** @throws IllegalArgumentException when the client address is not an IP address */
    public Explanation explain(Request request) {
        if (IpNet.bytes(request.clientAddress()) == null) {
            throw new IllegalArgumentException("not an IP address: " + request.clientAddress());
        }
        return new Run(request).play();
    }

    /** The state of one explained session. */
    private final class Run implements PolicyTrace {
        private final Request request;
        private final ParameterSet p = listener.parameters();
        private final List<Command> commands = new ArrayList<>();
        private List<Step> steps = new ArrayList<>();
        private int depth;
        private final List<String> listStack = new ArrayList<>();
        private String[] cause;
        private String[] deferCause;
        private String[] pendingDeferList;
        private Refusal refusal;
        private final ExplainFacts facts = new ExplainFacts();

        Run(Request request) {
            this.request = request;
        }

        Explanation play() {
            lookUpNames();
            boolean wrapper = listener.wrapperMode();
            facts.tls = request.tls() || wrapper || request.clientCert() != null;
            facts.clientCert = request.clientCert();
            PolicySession session = engine.newSession(this);
            String host = p.get("myhostname");
            if (!command("CONNECT", session.connect(facts), "220 " + host + " ESMTP")) {
                return done();
            }
            if (request.helo() != null) {
                facts.helo = request.helo();
                facts.protocol = "ESMTP";
                if (!command("EHLO " + request.helo(), session.helo(facts), "250 " + host)) {
                    return done();
                }
            }
            boolean encrypt = wrapper || Set.of("encrypt", "verify", "secure", "fingerprint")
                    .contains(p.get("smtpd_tls_security_level").toLowerCase(Locale.ROOT));
            if (request.tls() && !wrapper) {
                gate("STARTTLS", "220 2.0.0 Ready to start TLS", true, null);
            } else if (wrapper) {
                steps.add(new Step(0, "note", "smtpd_tls_wrappermode = yes: TLS from the first byte"));
            }
            if (request.login() != null) {
                auth(encrypt);
            }
            if (request.sender() == null) {
                return done();
            }
            String mail = "MAIL FROM:<" + request.sender() + ">";
            if (encrypt && !facts.tls) {
                return gate(mail, "530 5.7.0 Must issue a STARTTLS command first", false,
                        "smtpd_tls_security_level = encrypt on listener " + listener.name()
                                + ": the client must use STARTTLS before MAIL");
            }
            if (facts.helo == null && "yes".equalsIgnoreCase(p.get("smtpd_helo_required"))) {
                return gate(mail, "503 5.5.1 Error: send HELO/EHLO first", false,
                        "smtpd_helo_required = yes and the client sent no EHLO");
            }
            facts.sender = request.sender();
            if (!command(mail, session.mail(facts), "250 2.1.0 Ok")) {
                return done();
            }
            for (String rcpt : request.recipients()) {
                facts.recipient = rcpt;
                if (command("RCPT TO:<" + rcpt + ">", session.rcpt(facts), "250 2.1.5 Ok")) {
                    facts.recipientCount++;
                }
            }
            facts.recipient = null;
            if (request.recipients().isEmpty()) {
                return done();
            }
            if (facts.recipientCount == 0) {
                return gate("DATA", "554 5.5.1 Error: no valid recipients", false, null);
            }
            command("DATA", session.data(facts), "354 End data with <CR><LF>.<CR><LF>");
            return done();
        }

        /** AUTH as SmtpSession answers it (postfix-restrictions.md section 5.2 and 5.3). */
        private void auth(boolean encrypt) {
            String cmd = "AUTH PLAIN (login " + request.login() + ")";
            if (encrypt && !facts.tls) {
                gate(cmd, "530 5.7.0 Must issue a STARTTLS command first", false, null);
            } else if (!"yes".equalsIgnoreCase(p.get("smtpd_sasl_auth_enable"))
                    || !facts.tls && ("yes".equalsIgnoreCase(p.get("smtpd_tls_auth_only")) || encrypt)) {
                steps.add(new Step(0, "note", "smtpd_sasl_auth_enable = " + p.get("smtpd_sasl_auth_enable")
                        + ", smtpd_tls_auth_only = " + p.get("smtpd_tls_auth_only")
                        + ": AUTH is not offered here, the session stays unauthenticated"));
                gate(cmd, "503 5.5.1 Error: authentication not enabled", false, null);
            } else if (facts.helo == null) {
                gate(cmd, "503 5.5.1 Error: send HELO/EHLO first", false, null);
            } else {
                facts.saslMethod = "PLAIN";
                facts.saslUsername = request.login();
                steps.add(new Step(0, "note", "explain does not check passwords: AUTH is assumed to succeed"));
                gate(cmd, "235 2.7.0 Authentication successful", true, null);
            }
        }

        /** A command the server answers before (or without) the engine. */
        private Explanation gate(String command, String reply, boolean accepted, String why) {
            commands.add(new Command(command, reply, accepted, steps));
            steps = new ArrayList<>();
            if (!accepted && refusal == null && why != null) {
                refusal = new Refusal(command, reply, null, null, null, null, why, null, null);
            }
            return done();
        }

        /** Records one engine stage; true when the command is accepted. */
        private boolean command(String command, Decision d, String okReply) {
            String reply = d.accepted() ? okReply : String.join(" / ", d.replyLines().isEmpty()
                    ? List.of(d.reply().toString()) : d.replyLines());
            commands.add(new Command(command, reply, d.accepted(), steps));
            steps = new ArrayList<>();
            if (!d.accepted() && refusal == null) {
                refusal = refusalOf(command, d.reply().toString());
            }
            cause = null;
            return d.accepted();
        }

        private Explanation done() {
            if (!steps.isEmpty()) {
                commands.add(new Command("(end)", "", true, steps));
            }
            return new Explanation(listener.name(), facts.clientName, facts.reverseName, commands, refusal);
        }

        // ------------------------------------------------------------ client names (SmtpSession)

        private void lookUpNames() {
            facts.address = request.clientAddress();
            facts.port = listener.port();
            String name = request.clientName();
            String reverse = request.reverseName();
            if (name != null || reverse != null) {
                String n = name != null ? name : reverse;
                String r = reverse != null ? reverse : name;
                setReverse(r);
                if (name == null) {
                    forwardConfirm(r);
                } else {
                    facts.clientName = "unknown".equalsIgnoreCase(n) ? "unknown" : n.toLowerCase(Locale.ROOT);
                    facts.clientNameStatus = facts.clientName.equals("unknown") ? NameStatus.PERM : NameStatus.OK;
                }
                steps.add(new Step(0, "note", "client name " + facts.clientName + " (" + facts.clientNameStatus
                        + "), reverse name " + facts.reverseName + " (" + facts.reverseNameStatus + "), as given"));
                return;
            }
            if (!"yes".equalsIgnoreCase(p.get("smtpd_peername_lookup")) || dns == null) {
                steps.add(new Step(0, "note", "smtpd_peername_lookup = no: the client name is unknown"));
                return;
            }
            InetAddress ip;
            try {
                ip = InetAddress.getByName(request.clientAddress()); // a literal: no DNS query
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("not an IP address: " + request.clientAddress(), e);
            }
            DnsResult<String> ptr = dns.ptr(ip);
            dns("PTR", request.clientAddress(), ptr, false);
            if (!ptr.found()) {
                facts.reverseNameStatus = ptr.tempfail() ? NameStatus.TEMP : NameStatus.PERM;
                facts.clientNameStatus = facts.reverseNameStatus;
            } else {
                String n = ptr.records().getFirst().toLowerCase(Locale.ROOT);
                if (!n.isEmpty() && IpNet.bytes(n) == null) {
                    setReverse(n);
                    forwardConfirm(n);
                }
            }
            steps.add(new Step(0, "note", "client name " + facts.clientName + " (" + facts.clientNameStatus
                    + "), reverse name " + facts.reverseName + " (" + facts.reverseNameStatus + ")"));
        }

        private void setReverse(String r) {
            boolean none = "unknown".equalsIgnoreCase(r);
            facts.reverseName = none ? "unknown" : r.toLowerCase(Locale.ROOT);
            facts.reverseNameStatus = none ? NameStatus.PERM : NameStatus.OK;
            if (none) {
                facts.clientName = "unknown";
                facts.clientNameStatus = NameStatus.PERM;
            }
        }

        /** FCrDNS: the PTR name counts as verified when its A (IPv4 client) or AAAA (IPv6) records hold the client address. */
        private void forwardConfirm(String n) {
            if (facts.reverseNameStatus != NameStatus.OK || dns == null) {
                return;
            }
            // The client's own address family only, as the SMTP server (and Postfix's smtpd) does.
            byte[] want = IpNet.bytes(request.clientAddress());
            boolean v4 = want.length == 4;
            DnsResult<InetAddress> forward = v4 ? dns.a(n) : dns.aaaa(n);
            dns(v4 ? "A" : "AAAA", n, forward, false);
            boolean match = forward.records().stream().anyMatch(a -> java.util.Arrays.equals(a.getAddress(), want));
            if (match) {
                facts.clientName = facts.reverseName;
                facts.clientNameStatus = NameStatus.OK;
            } else {
                facts.clientNameStatus = forward.status() == DnsStatus.TEMPFAIL ? NameStatus.TEMP : NameStatus.FORGED;
            }
        }

        // ------------------------------------------------------------ the "why"

        private Refusal refusalOf(String command, String reply) {
            String[] c = cause != null ? cause : deferCause;
            if (c == null) {
                return new Refusal(command, reply, null, null, null, null,
                        command + " was refused with " + reply + ".", null, null);
            }
            String list = c[0];
            String restriction = c[1];
            String argument = c[2];
            Origin origin = p.origin(list);
            String submission = null;
            String fix = null;
            boolean sasl = "yes".equalsIgnoreCase(p.get("smtpd_sasl_auth_enable"));
            if (HOST_CHECKS.contains(restriction) && facts.saslUsername == null) {
                Optional<Listener> sub = listeners.stream().filter(l -> l != listener && userListener(l)).findFirst();
                submission = sub.map(Listener::name).orElse(null);
                fix = "if this client is one of your users (a laptop on a hotel, mobile or home network), it "
                        + "should not send on port " + listener.port() + (sasl ? " without AUTH" : "") + ": "
                        + (sub.isPresent() ? "it submits on " + sub.get().name() + " (port " + sub.get().port()
                        + ") with AUTH; that listener does not run reverse-DNS or HELO checks before "
                        + "permit_sasl_authenticated"
                        : "add a submission listener (587 with STARTTLS, 465 with implicit TLS) with "
                        + "smtpd_sasl_auth_enable=yes and smtpd_client_restrictions=permit_sasl_authenticated,reject")
                        + ". A real MX client must fix its DNS (a PTR record whose name resolves back to "
                        + facts.address + ") or its HELO name.";
            } else if (restriction.endsWith("sender_login_mismatch")) {
                fix = p.list("smtpd_sender_login_maps").isEmpty()
                        ? "smtpd_sender_login_maps is empty, so no login owns any address: set it (section 9.3 item 3)"
                        : "the login " + facts.saslUsername + " does not own " + facts.sender
                        + " in smtpd_sender_login_maps: add it there (postern sender-login add) or send as an owned address";
            } else if (restriction.equals("reject_unauth_destination") || restriction.equals("defer_unauth_destination")) {
                fix = "the recipient's domain is not one this server receives mail for, and the client is neither in "
                        + "mynetworks nor authenticated: users send to other domains through a submission listener "
                        + "with AUTH";
            } else if (restriction.equals("reject_unlisted_recipient")) {
                fix = "the recipient does not exist: add the mailbox or an alias, or check the spelling";
            }
            String why = command + " was refused with " + reply + ": " + restriction
                    + (argument == null ? "" : " " + argument) + " in " + list + " (set at " + origin
                    + ", listener " + listener.name() + ")" + (c == deferCause ? " raised defer_if_permit, and "
                    + "nothing rejected outright, so its saved reply was sent." : " decided.");
            return new Refusal(command, reply, list, restriction, argument, origin, why, fix, submission);
        }

        /** A listener where users log in: SASL on and client list starting with permit_sasl_authenticated. */
        private static boolean userListener(Listener l) {
            if (!"yes".equalsIgnoreCase(l.parameters().get("smtpd_sasl_auth_enable"))) {
                return false;
            }
            for (ConfigDoctor.Entry e : ConfigDoctor.entries(l.parameters(), "smtpd_client_restrictions")) {
                if (e.name().equals("permit_sasl_authenticated")) {
                    return true;
                }
                if (HOST_CHECKS.contains(e.name())) {
                    return false;
                }
            }
            return true;
        }

        // ------------------------------------------------------------ PolicyTrace

        @Override
        public void enterList(String list, String name, String cls) {
            Origin o = p.origin(list);
            steps.add(new Step(depth, "list", list + (o.isFile() ? " (" + o + ")" : list.contains(" -> ") ? ""
                    : " (" + o + ")") + " for <" + name + ">"));
            listStack.add(list);
            depth++;
        }

        @Override
        public void leaveList(String list, Outcome outcome) {
            depth--;
            listStack.removeLast();
            steps.add(new Step(depth, "end", list + " -> " + (outcome == Outcome.DUNNO ? "end of list (permit)"
                    : outcome == Outcome.OK ? "OK (this list permits; later lists still run)" : "REJECT")));
        }

        @Override
        public void restriction(String restriction, String argument, Outcome outcome, PolicyReply reply) {
            steps.add(new Step(depth, "restriction", restriction + (argument == null ? "" : " " + argument) + " -> "
                    + outcome + (reply == null ? "" : " " + reply)));
            String top = listStack.isEmpty() ? null : listStack.getFirst();
            if (outcome == Outcome.REJECT && cause == null) {
                cause = new String[] {top == null ? parameterOf(argument) : top, restriction, argument};
            }
            if (pendingDeferList != null) {
                deferCause = new String[] {pendingDeferList[0], restriction, argument};
                pendingDeferList = null;
            }
        }

        /** An implicit check ("implicit: smtpd_reject_unlisted_recipient = yes") names its parameter. */
        private static String parameterOf(String argument) {
            if (argument != null && argument.startsWith("implicit: ")) {
                String a = argument.substring("implicit: ".length());
                int eq = a.indexOf(' ');
                return eq < 0 ? a : a.substring(0, eq);
            }
            return "(none)";
        }

        @Override
        public void lookup(String table, String key, Optional<String> value) {
            steps.add(new Step(depth, "lookup", table + " " + key + " -> " + value.orElse("not found")));
        }

        @Override
        public void lookupError(String table, String key, String error) {
            steps.add(new Step(depth, "lookup", table + " " + key + " -> error: " + error));
        }

        @Override
        public void dns(String type, String name, DnsResult<?> result, boolean cached) {
            StringBuilder sb = new StringBuilder("DNS ").append(type).append(' ').append(name).append(" -> ")
                    .append(result.status());
            if (!result.records().isEmpty()) {
                sb.append(' ').append(String.join(", ", result.records().stream().map(Run::record).toList()));
            }
            if (result.detail() != null && !result.detail().isEmpty()
                    && !result.detail().equalsIgnoreCase(result.status().name())) {
                sb.append(" (").append(result.detail()).append(')');
            }
            if (cached) {
                sb.append(" (cached)");
            }
            steps.add(new Step(depth, "dns", sb.toString()));
        }

        private static String record(Object r) {
            return switch (r) {
                case InetAddress a -> a.getHostAddress();
                case MxHost m -> m.preference() + " " + m.host();
                default -> String.valueOf(r);
            };
        }

        @Override
        public void flag(String flag, PolicyReply reply) {
            steps.add(new Step(depth, "flag", flag + (reply == null ? "" : ": " + reply)));
            if (flag.equals("defer_if_permit")) {
                pendingDeferList = new String[] {listStack.isEmpty() ? "(none)" : listStack.getFirst()};
            }
        }

        @Override
        public void note(String text) {
            steps.add(new Step(depth, "note", text));
        }
    }

    /** The session facts explain builds from its options. */
    private static final class ExplainFacts implements SessionFacts {
        String address;
        int port;
        String clientName = "unknown";
        NameStatus clientNameStatus = NameStatus.PERM;
        String reverseName = "unknown";
        NameStatus reverseNameStatus = NameStatus.PERM;
        String helo;
        String protocol = "SMTP";
        boolean tls;
        String saslMethod;
        String saslUsername;
        String sender;
        String recipient;
        int recipientCount;

        @Override public String clientAddress() { return address; }
        @Override public int clientPort() { return 0; }
        @Override public String clientName() { return clientName; }
        @Override public NameStatus clientNameStatus() { return clientNameStatus; }
        @Override public String reverseClientName() { return reverseName; }
        @Override public NameStatus reverseClientNameStatus() { return reverseNameStatus; }
        @Override public String serverAddress() { return "0.0.0.0"; }
        @Override public int serverPort() { return port; }
        @Override public String heloName() { return helo; }
        @Override public String protocol() { return protocol; }
        @Override public boolean tlsActive() { return tls; }
        @Override public String tlsProtocol() { return tls ? "TLSv1.3" : null; }
        @Override public String tlsCipher() { return tls ? "TLS_AES_256_GCM_SHA384" : null; }
        @Override public int tlsCipherBits() { return tls ? 256 : 0; }
        @Override public String saslMethod() { return saslMethod; }
        @Override public String saslUsername() { return saslUsername; }
        @Override public String saslSender() { return null; }
        @Override public boolean illegalPipelining() { return false; }
        @Override public String queueId() { return null; }
        @Override public String instance() { return "explain"; }
        @Override public String sender() { return sender; }
        @Override public String recipient() { return recipient; }
        @Override public int recipientCount() { return recipientCount; }
        @Override public long messageSize() { return 0; }
        @Override public String etrnDomain() { return null; }
        ClientCert clientCert;
        @Override public String ccertFingerprint() { return clientCert == null ? null : clientCert.fingerprint(); }
        @Override public String ccertPubkeyFingerprint() { return clientCert == null ? null : clientCert.pubkeyFingerprint(); }
        @Override public String ccertSubject() { return clientCert == null ? null : clientCert.cn() == null ? "" : clientCert.cn(); }
        @Override public String ccertIssuer() { return clientCert == null ? null : ""; }
        @Override public boolean ccertTrusted() { return clientCert != null && clientCert.trusted(); }
    }
}
