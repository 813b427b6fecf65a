package org.postern.policy;

import org.postern.metrics.Metrics;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import org.postern.config.PostfixLists;
import org.postern.dkim.DkimVerification;
import org.postern.dkim.HeaderField;
import org.postern.dmarc.AuthorDomain;
import org.postern.dmarc.DkimCheck;
import org.postern.dmarc.DmarcPolicy;
import org.postern.dmarc.DmarcVerdict;
import org.postern.dns.DnsResult;
import org.postern.dns.DnsStatus;
import org.postern.dns.MxHost;
import org.postern.lookup.AddressSearch;
import org.postern.store.DmarcEvaluation;
import org.postern.lookup.HostSearch;
import org.postern.lookup.LookupException;
import org.postern.lookup.LookupTable;
import org.postern.lookup.SearchHit;
import org.postern.lookup.TableList;
import org.postern.policy.AddressClassifier.AddressClass;
import org.postern.smtp.Xtext;
import org.postern.spf.SpfResult;
import org.postern.spf.SpfVerdict;

/**
 * Per-connection state and evaluation of the restriction lists (postfix-restrictions.md
 * sections 1 to 3, 6.1 and 13): the defer_if_permit / defer_if_reject flags, warn_if_reject,
 * the transaction's side actions, a DNS cache for the session, and the stage pipeline of
 * section 1.1. Not thread-safe: one per SMTP connection.
 */
public final class PolicySession {

    static final int DUNNO = 0;
    static final int OK = 1;
    static final int REJECT = 2;
    private static final int MAX_NESTING = 100;

    private static final String CLIENT = "Client host";
    private static final String UNVERIFIED = "Unverified Client host";
    private static final String HELO = "Helo command";
    private static final String SENDER = "Sender address";
    private static final String RECIPIENT = "Recipient address";

    /** A reject remembered by defer_if_permit / defer_if_reject (section 1.4). */
    private record Pending(int code, String dsn, String text, String cls) { }

    /** Ends the whole evaluation at once: configuration and lookup errors (section 2.8). */
    static final class Abort extends RuntimeException {
        final int code;
        final String dsn;
        final String text;

        Abort(int code, String dsn, String text) {
            super(text, null, false, false);
            this.code = code;
            this.dsn = dsn;
            this.text = text;
        }
    }

    private final PolicyEngine e;
    /** Null unless explain asked for a trace: every trace call is behind a null check. */
    private final PolicyTrace trace;
    private final Map<String, DnsResult<?>> dnsCache = new HashMap<>();
    private final SpfCheck spf;

    // transaction state
    private Pending deferIfPermit;
    /** With smtpd_delay_reject=no: the defer_if_permit raised at CONNECT, HELO and MAIL, applied at RCPT. */
    private Pending clientDefer;
    private Pending heloDefer;
    private Pending senderDefer;
    private boolean discard;
    private String hold;
    /** The transaction's DMARC verdict (check_dmarc), and whether quarantine asked to mark it as junk. */
    private DmarcVerdict dmarc;
    private boolean junk;
    private String filter;
    private String redirect;
    private final List<String> bcc = new ArrayList<>();
    private final List<String> prepend = new ArrayList<>();

    // state of the current evaluation
    private SessionFacts f;
    private String stage;
    private Pending deferIfReject;
    private int warnLevel;
    private int depth;
    private PolicyReply rejected;
    private List<String> log;
    private boolean rcptMapsChecked;
    private boolean senderMapsChecked;
    private boolean modifyingActionsAllowed;
    private boolean prependAllowed;

    PolicySession(PolicyEngine engine) {
        this(engine, null);
    }

    PolicySession(PolicyEngine engine, PolicyTrace trace) {
        this.e = engine;
        this.trace = trace;
        this.spf = new SpfCheck(engine.spf, engine.get("myhostname"));
    }

    // ---------------------------------------------------------------- stages (section 1.1)

    /** Connect: the client list, only with {@code smtpd_delay_reject=no}. */
    public Decision connect(SessionFacts facts) {
        begin(facts, "CONNECT");
        if (delayReject()) {
            note("smtpd_delay_reject = yes: smtpd_client_restrictions is evaluated at RCPT TO, not now");
            return finish(DUNNO, false);
        }
        Decision d = evaluate(() -> {
            modifyingActionsAllowed = false;
            return clientList();
        }, false);
        clientDefer = deferIfPermit;
        return d;
    }

    /** HELO/EHLO: the helo list, only with {@code smtpd_delay_reject=no}. */
    public Decision helo(SessionFacts facts) {
        begin(facts, "ESMTP".equals(facts.protocol()) ? "EHLO" : "HELO");
        if (delayReject()) {
            note("smtpd_delay_reject = yes: smtpd_helo_restrictions is evaluated at RCPT TO, not now");
            return finish(DUNNO, false);
        }
        deferIfPermit = clientDefer;
        Decision d = evaluate(() -> {
            modifyingActionsAllowed = false;
            return heloList();
        }, false);
        heloDefer = deferIfPermit == clientDefer ? null : deferIfPermit;
        return d;
    }

    /** MAIL FROM: the sender list, only with {@code smtpd_delay_reject=no}. */
    public Decision mail(SessionFacts facts) {
        begin(facts, "MAIL");
        if (delayReject()) {
            note("smtpd_delay_reject = yes: smtpd_sender_restrictions is evaluated at RCPT TO, not now");
            return finish(DUNNO, false);
        }
        deferIfPermit = earlyDefer(null);
        Decision d = evaluate(this::senderList, false);
        senderDefer = deferIfPermit == earlyDefer(null) ? null : deferIfPermit;
        return d;
    }

    /** The first defer_if_permit of the CONNECT, HELO and MAIL stages (section 1.4). */
    private Pending earlyDefer(Pending sender) {
        return clientDefer != null ? clientDefer : heloDefer != null ? heloDefer : sender;
    }

    /** RCPT TO: the full pipeline of section 1.1. */
    public Decision rcpt(SessionFacts facts) {
        begin(facts, "RCPT");
        String rcpt = Addresses.strip(facts.recipient());
        if (rcpt != null && rcpt.equalsIgnoreCase("postmaster")) {
            note("RCPT TO:<postmaster> is always accepted; no list runs (RFC 5321 section 3.6)");
            return finish(DUNNO, false); // RFC 5321 section 3.6: always accepted, no list runs
        }
        return evaluate(() -> {
            rcptMapsChecked = false;
            senderMapsChecked = false;
            if (delayReject()) {
                int s = clientList();
                if (s != REJECT && !discard) {
                    s = heloList();
                }
                if (s != REJECT && !discard) {
                    s = senderList();
                }
                if (s == REJECT) {
                    return s;
                }
            } else {
                deferIfPermit = earlyDefer(senderDefer);
            }
            deferIfReject = null;
            warnLevel = 0;
            boolean relayFirst = e.bool("smtpd_relay_before_recipient_restrictions");
            String first = relayFirst ? "smtpd_relay_restrictions" : "smtpd_recipient_restrictions";
            String second = relayFirst ? "smtpd_recipient_restrictions" : "smtpd_relay_restrictions";
            for (String list : List.of(first, second)) {
                if (discard) {
                    break;
                }
                if (topList(list, rcpt, RECIPIENT, "check_recipient_access") == REJECT) {
                    return REJECT;
                }
            }
            // Section 13: the saved defer_if_permit reply comes before the unlisted checks.
            if (deferIfPermit != null && !discard) {
                return rejectSaved(deferIfPermit);
            }
            if (!discard && e.bool("smtpd_reject_unlisted_sender") && !senderMapsChecked
                    && traced("reject_unlisted_sender", "smtpd_reject_unlisted_sender = yes",
                    unlisted(facts.sender(), true)) == REJECT) {
                return REJECT;
            }
            if (!discard && e.bool("smtpd_reject_unlisted_recipient") && !rcptMapsChecked) {
                return traced("reject_unlisted_recipient", "smtpd_reject_unlisted_recipient = yes",
                        unlisted(rcpt, false));
            }
            return DUNNO;
        }, true);
    }

    /** DATA (or the first BDAT). */
    public Decision data(SessionFacts facts) {
        begin(facts, "DATA");
        return evaluate(() -> {
            deferIfPermit = null;
            return topList("smtpd_data_restrictions", "DATA", "Data command", null);
        }, true);
    }

    /** After the final "." (or BDAT LAST), before the queue reply. */
    public Decision endOfData(SessionFacts facts) {
        begin(facts, "END-OF-MESSAGE");
        return evaluate(() -> {
            deferIfPermit = null;
            prependAllowed = false;
            return topList("smtpd_end_of_data_restrictions", "END-OF-MESSAGE", "End-of-data", null);
        }, true);
    }

    /** ETRN: client and helo lists (with delay_reject), then the ETRN list. */
    public Decision etrn(SessionFacts facts) {
        begin(facts, "ETRN");
        return evaluate(() -> {
            modifyingActionsAllowed = false;
            if (delayReject()) {
                int s = clientList();
                if (s != REJECT) {
                    s = heloList();
                }
                if (s == REJECT) {
                    return s;
                }
                modifyingActionsAllowed = false;
            }
            deferIfReject = null;
            warnLevel = 0;
            return topList("smtpd_etrn_restrictions", facts.etrnDomain(), "Etrn command", "check_etrn_access");
        }, true);
    }

    /**
     * A session-level 4xx/5xx reply (a protocol error, not a restriction's reject) as Postfix's
     * smtpd sends every such reply: {@code soft_bounce} turns a 5 into a 4 in the code and in the
     * enhanced code, and {@code smtpd_reject_footer} is appended (section 1.7 items 6 and 7;
     * Postfix 3.7 lab: {@code 454 4.5.1 Error: no valid recipients} with soft_bounce, the footer
     * under {@code 500 5.5.2 Error: command not recognized}). Replies below 400 are returned as
     * they are. {@code dsn} may be null.
     *
     * @return the reply as sent, one wire line ("554-5.5.1 text") per element
     */
    public List<String> sessionReply(int code, String dsn, String text, SessionFacts facts) {
        if (code >= 500 && e.bool("soft_bounce")) {
            code -= 100;
            if (dsn != null && dsn.startsWith("5")) {
                dsn = "4" + dsn.substring(1);
            }
        }
        PolicyReply reply = new PolicyReply(code, dsn, text);
        if (code < 400) {
            return List.of(reply.toString());
        }
        return Replies.lines(reply, e.params, e.rejectFooterMaps, facts);
    }

    /** At RSET, MAIL and the end of a transaction: forget the transaction's flags and actions. */
    public void resetTransaction() {
        discard = false;
        senderDefer = null;
        hold = null;
        filter = null;
        redirect = null;
        bcc.clear();
        prepend.clear();
        spf.resetTransaction();
        dmarc = null;
        junk = false;
    }

    /** The DMARC verdict of check_dmarc for the current message; null when it did not run. */
    public DmarcVerdict dmarcVerdict() {
        return dmarc;
    }

    /**
     * True when check_dmarc found a DMARC quarantine and dmarc_quarantine_action = junk: the
     * message is to be delivered marked as junk.
     */
    public boolean junk() {
        return junk;
    }

    /**
     * The SPF identities check_spf evaluated for the current transaction (MAIL FROM first, then
     * HELO), e.g. for an Authentication-Results header. Empty when check_spf did not run.
     */
    public List<SpfOutcome> spfOutcomes() {
        return spf.outcomes();
    }

    private boolean delayReject() {
        return e.bool("smtpd_delay_reject");
    }

    private int clientList() {
        deferIfPermit = null; // section 1.4: cleared at the start of each client evaluation
        boolean saved = modifyingActionsAllowed;
        modifyingActionsAllowed = delayReject() && saved;
        int s = topList("smtpd_client_restrictions", clientNameAddr(), CLIENT, "check_client_access");
        modifyingActionsAllowed = saved;
        return s;
    }

    private int heloList() {
        if (f.heloName() == null) {
            note("no HELO/EHLO: smtpd_helo_restrictions is skipped");
            return DUNNO; // section 1.1: only if HELO/EHLO was seen
        }
        boolean saved = modifyingActionsAllowed;
        modifyingActionsAllowed = delayReject() && saved;
        int s = topList("smtpd_helo_restrictions", f.heloName(), HELO, "check_helo_access");
        modifyingActionsAllowed = saved;
        return s;
    }

    private int senderList() {
        if (f.sender() == null) {
            return DUNNO;
        }
        return topList("smtpd_sender_restrictions", f.sender(), SENDER, "check_sender_access");
    }

    /** One top-level list: a separate evaluation for defer_if_reject (section 13). */
    private int topList(String param, String name, String cls, String implicit) {
        deferIfReject = param.equals("smtpd_recipient_restrictions") || param.equals("smtpd_relay_restrictions")
                ? deferIfReject : null;
        warnLevel = 0;
        depth = 0;
        return tracedList(param, e.lists.getOrDefault(param, List.of()), name, cls, implicit);
    }

    /** {@link #list} between enterList and leaveList trace calls. */
    private int tracedList(String label, List<String> items, String name, String cls, String implicit) {
        if (trace == null) {
            return list(items, name, cls, implicit);
        }
        trace.enterList(label, name, cls);
        int s = list(items, name, cls, implicit);
        trace.leaveList(label, outcome(s));
        return s;
    }

    private static PolicyTrace.Outcome outcome(int status) {
        return status == OK ? PolicyTrace.Outcome.OK : status == REJECT ? PolicyTrace.Outcome.REJECT
                : PolicyTrace.Outcome.DUNNO;
    }

    private void countReject(String restriction) {
        if (e.metricsListener != null) {
            Metrics.SMTPD_REJECTS.inc(e.metricsListener, stage, restriction);
        }
    }

    /** Reports a restriction the engine runs implicitly, outside any list. */
    private int traced(String restriction, String why, int status) {
        if (status == REJECT) {
            countReject(restriction);
        }
        if (trace != null) {
            trace.restriction(restriction, "implicit: " + why, outcome(status), status == REJECT ? rejected : null);
        }
        return status;
    }

    /** The restriction being evaluated, so that an abort (section 2.8) can be traced to it. */
    private String[] evaluating;

    private void evaluating(String restriction, String argument) {
        if (trace != null) {
            evaluating = restriction == null ? null : new String[] {restriction, argument};
        }
    }

    private void note(String text) {
        if (trace != null) {
            trace.note(text);
        }
    }

    private void begin(SessionFacts facts, String stageName) {
        this.f = facts;
        this.stage = stageName;
        if (trace != null) {
            trace.stage(stageName);
        }
        this.rejected = null;
        this.log = new ArrayList<>(2);
        this.depth = 0;
        this.warnLevel = 0;
        this.modifyingActionsAllowed = !stageName.equals("ETRN");
        this.prependAllowed = true;
    }

    private Decision evaluate(Supplier<Integer> body, boolean applyDeferIfPermit) {
        int s;
        try {
            s = body.get();
            if (s != REJECT && applyDeferIfPermit && deferIfPermit != null && !discard && rejected == null) {
                s = rejectSaved(deferIfPermit);
            }
        } catch (Abort a) {
            rejected = assemble(a.code, a.dsn, a.text, null);
            logLine("reject", rejected.toString());
            s = REJECT;
            if (trace != null && evaluating != null) {
                trace.restriction(evaluating[0], evaluating[1], PolicyTrace.Outcome.REJECT, rejected);
                evaluating = null;
            }
        }
        return finish(s, true);
    }

    private Decision finish(int status, boolean evaluated) {
        if (status != REJECT && modifyingActionsAllowed && prependAllowed) {
            spf.addHeaders(prepend); // RFC 7208 section 9.1: recorded on accepted mail, once per transaction
        }
        Decision.Actions actions = discard || hold != null || filter != null || redirect != null || !bcc.isEmpty()
                || !prepend.isEmpty()
                ? new Decision.Actions(hold, discard, filter, redirect, List.copyOf(bcc), List.copyOf(prepend))
                : Decision.Actions.NONE;
        Decision d = status == REJECT && rejected != null
                ? new Decision(Decision.Result.REJECT, rejected, Replies.lines(rejected, e.params, e.rejectFooterMaps, f),
                        List.copyOf(log), actions)
                : new Decision(discard ? Decision.Result.DISCARD : Decision.Result.ACCEPT, null, List.of(),
                        log == null ? List.of() : List.copyOf(log), actions);
        if (trace != null) {
            trace.decision(stage, d);
        }
        return d;
    }

    // ---------------------------------------------------------------- list evaluation (section 1.2)

    private int list(List<String> items, String name, String cls, String implicit) {
        if (++depth > MAX_NESTING) {
            warning("too many levels of nested restrictions");
            throw configError();
        }
        try {
            for (int i = 0; i < items.size(); i++) {
                if (discard) {
                    return OK;
                }
                if (deferIfPermit != null && deferIfReject != null) {
                    break; // section 1.4: both flags up ends the list
                }
                String item = items.get(i);
                String lower = item.toLowerCase(Locale.ROOT);
                if (lower.equals("warn_if_reject")) {
                    if (warnLevel == 0) {
                        warnLevel = depth;
                    }
                    if (trace != null) {
                        trace.flag("warn_if_reject", null);
                    }
                    continue;
                }
                int status;
                String tracedName = item;
                String tracedArg = null;
                if (PostfixLists.isTable(item)) {
                    if (implicit == null) {
                        warning("unknown smtpd restriction: \"" + item + "\"");
                        throw configError();
                    }
                    tracedName = implicit;
                    tracedArg = item;
                    evaluating(tracedName, tracedArg);
                    status = restriction(implicit, item, name, cls, implicit);
                } else if (e.classes.contains(item) && e.lists.containsKey(item)) {
                    status = tracedList(item, e.lists.get(item), name, cls, implicit);
                } else {
                    var r = RestrictionCatalog.lookup(lower);
                    String arg = null;
                    if (r.isPresent() && r.get().argument() != RestrictionCatalog.Argument.NONE) {
                        if (i + 1 >= items.size()) {
                            if (r.get().argument() == RestrictionCatalog.Argument.DOMAIN) {
                                warning("restriction " + item + " requires domain name argument");
                                continue;
                            }
                            warning("restriction " + item + ": bad argument: missing");
                            throw configError();
                        }
                        arg = items.get(++i);
                    }
                    tracedName = r.map(RestrictionCatalog.Restriction::canonical).orElse(item);
                    tracedArg = arg;
                    evaluating(tracedName, tracedArg);
                    status = restriction(tracedName, arg, name, cls, implicit);
                }
                if (status == REJECT && !e.lists.containsKey(item)) {   // a class counts as the restriction inside it
                    countReject(tracedName);
                }
                if (trace != null) {
                    evaluating(null, null);
                    trace.restriction(tracedName, tracedArg, outcome(status), status == REJECT ? rejected : null);
                }
                if (warnLevel >= depth) {
                    warnLevel = 0;
                }
                if (status != DUNNO) {
                    return status;
                }
            }
            return DUNNO;
        } finally {
            depth--;
        }
    }

    /** One restriction with its argument; {@code name}/{@code cls} belong to the list (section 1.3). */
    private int restriction(String r, String arg, String name, String cls, String implicit) {
        return switch (r) {
            // 2.1 generic
            case "permit" -> permit(r, cls, name);
            case "reject" -> reject(code("reject_code"), "5.7.1", generic(name, cls, "Access denied"), cls);
            case "defer" -> reject(code("defer_code"), "4.3.2", generic(name, cls, "Try again later"), cls);
            case "defer_if_permit" -> deferIfPermit(450, "4.7.0", generic(name, cls, "defer_if_permit requested"), cls);
            case "defer_if_reject" -> deferIfReject(450, "4.7.0", generic(name, cls, "defer_if_reject requested"), cls);
            case "sleep" -> sleep(arg);
            case "reject_plaintext_session" -> f.tlsActive() ? DUNNO
                    : reject(code("plaintext_reject_code"), "4.7.1", "Session encryption is required", cls);
            case "reject_unauth_pipelining" -> f.illegalPipelining()
                    ? reject(503, "5.5.0", generic(name, cls, "Improper use of SMTP command pipelining"), cls) : DUNNO;
            case "reject_multi_recipient_bounce" -> multiRecipientBounce(name, cls);
            case "check_policy_service" -> policyService(arg, name, cls);
            case "check_spf" -> checkSpf(name, cls);
            case "check_dmarc" -> checkDmarc(name, cls);
            // 2.2 client
            case "permit_mynetworks" -> lookup(() -> e.mynetworks.matches(f.clientAddress(), f.clientName()),
                    "<" + clientNameAddr() + ">") ? permit(r, CLIENT, clientNameAddr()) : DUNNO;
            case "permit_inet_interfaces" -> e.classifier.isOwnAddress(f.clientAddress())
                    ? permit(r, CLIENT, clientNameAddr()) : DUNNO;
            case "permit_sasl_authenticated" -> saslEnabled() && f.saslUsername() != null
                    && !"anonymous".equalsIgnoreCase(f.saslMethod()) ? permit(r, CLIENT, clientNameAddr()) : DUNNO;
            case "permit_tls_clientcerts" -> tlsClientcerts(r, false);
            case "permit_tls_all_clientcerts" -> tlsClientcerts(r, true);
            case "check_ccert_access" -> ccertAccess(r, arg);
            case "reject_unknown_reverse_client_hostname" -> unknownClient(f.reverseClientNameStatus(), "4.7.1",
                    "cannot find your reverse hostname");
            case "reject_unknown_client_hostname" -> unknownClient(f.clientNameStatus(), "4.7.25",
                    "cannot find your hostname");
            case "check_client_access" -> clientAccess(arg, f.clientName(), clientNameAddr(), CLIENT, true);
            case "check_reverse_client_hostname_access" ->
                    clientAccess(arg, f.reverseClientName(), reverseNameAddr(), UNVERIFIED, false);
            case "check_client_a_access", "check_client_mx_access", "check_client_ns_access" ->
                    "unknown".equals(f.clientName()) ? DUNNO
                            : serverAccess(r, arg, f.clientName(), clientNameAddr(), CLIENT);
            case "check_reverse_client_hostname_a_access", "check_reverse_client_hostname_mx_access",
                 "check_reverse_client_hostname_ns_access" -> "unknown".equals(f.reverseClientName()) ? DUNNO
                    : serverAccess(r, arg, f.reverseClientName(), reverseNameAddr(), UNVERIFIED);
            case "check_sasl_access" -> saslAccess(r, arg);
            case "reject_rbl_client" -> Rbl.client(this, arg, false);
            case "permit_dnswl_client" -> Rbl.client(this, arg, true) == OK ? permit(r, CLIENT, clientNameAddr()) : DUNNO;
            case "reject_rhsbl_client" -> Rbl.rhs(this, arg, f.clientName(), CLIENT, false);
            case "reject_rhsbl_reverse_client" -> Rbl.rhs(this, arg, f.reverseClientName(), UNVERIFIED, false);
            case "permit_rhswl_client" -> Rbl.rhs(this, arg, f.clientName(), CLIENT, true) == OK
                    ? permit(r, CLIENT, clientNameAddr()) : DUNNO;
            // 2.3 helo
            case "reject_invalid_helo_hostname" -> invalidHelo();
            case "reject_non_fqdn_helo_hostname" -> nonFqdnHelo();
            case "reject_unknown_helo_hostname" -> unknownHelo();
            case "check_helo_access" -> f.heloName() == null ? DUNNO
                    : nameAccess(arg, f.heloName(), f.heloName(), HELO);
            case "check_helo_a_access", "check_helo_mx_access", "check_helo_ns_access" -> f.heloName() == null
                    ? DUNNO : serverAccess(r, arg, f.heloName(), f.heloName(), HELO);
            case "reject_rhsbl_helo" -> Rbl.rhs(this, arg, f.heloName(), HELO, false);
            // 2.4 sender
            case "reject_non_fqdn_sender" -> nonFqdnAddress(f.sender(), SENDER);
            case "reject_unknown_sender_domain" -> unknownDomain(f.sender(), SENDER);
            case "reject_sender_login_mismatch" -> loginMismatch(r, true, true, false);
            case "reject_authenticated_sender_login_mismatch" -> loginMismatch(r, true, false, false);
            case "reject_unauthenticated_sender_login_mismatch" -> loginMismatch(r, false, true, false);
            case "reject_known_sender_login_mismatch" -> loginMismatch(r, true, true, true);
            case "reject_unlisted_sender" -> {
                senderMapsChecked = true;
                yield unlisted(f.sender(), true);
            }
            case "check_sender_access" -> addressAccess(arg, f.sender(), SENDER);
            case "check_sender_a_access", "check_sender_mx_access", "check_sender_ns_access" ->
                    f.sender() == null || f.sender().isEmpty() ? DUNNO
                            : serverAccess(r, arg, domainOf(f.sender()), f.sender(), SENDER);
            case "reject_rhsbl_sender" -> f.sender() == null || f.sender().isEmpty() ? DUNNO
                    : Rbl.rhs(this, arg, domainOf(f.sender()), SENDER, false);
            // 2.5 recipient
            case "reject_non_fqdn_recipient" -> nonFqdnAddress(rcpt(), RECIPIENT);
            case "reject_unknown_recipient_domain" -> unknownDomain(rcpt(), RECIPIENT);
            case "permit_auth_destination" -> rcpt() != null && authorized(rcpt()) ? permit(r, RECIPIENT, rcpt()) : DUNNO;
            case "reject_unauth_destination" -> unauthDestination(code("relay_domains_reject_code"));
            case "defer_unauth_destination" -> unauthDestination(code("relay_domains_reject_code") - 100);
            case "reject_unlisted_recipient" -> {
                rcptMapsChecked = true;
                yield unlisted(rcpt(), false);
            }
            case "check_recipient_access" -> addressAccess(arg, rcpt(), RECIPIENT);
            case "check_recipient_a_access", "check_recipient_mx_access", "check_recipient_ns_access" ->
                    rcpt() == null ? DUNNO : serverAccess(r, arg, domainOf(rcpt()), rcpt(), RECIPIENT);
            case "reject_rhsbl_recipient" -> rcpt() == null ? DUNNO
                    : Rbl.rhs(this, arg, domainOf(rcpt()), RECIPIENT, false);
            case "check_etrn_access" -> f.etrnDomain() == null ? DUNNO
                    : nameAccess(arg, f.etrnDomain(), f.etrnDomain(), "Etrn command");
            case "permit_mx_backup" -> mxBackup() == OK ? permit(r, RECIPIENT, rcpt()) : DUNNO;
            // There is no verify(8) service: answer as Postfix does when it is unavailable (sections 2.4, 2.5).
            case "reject_unverified_sender" -> unverified(f.sender(), SENDER, "unverified_sender_tempfail_action", "4.1.7");
            case "reject_unverified_recipient" -> unverified(rcpt(), RECIPIENT, "unverified_recipient_tempfail_action", "4.1.1");
            default -> {
                warning("unknown smtpd restriction: \"" + r + "\"");
                throw configError();
            }
        };
    }

    // ---------------------------------------------------------------- permit logging

    /** A PERMIT by a restriction: logged when smtpd_log_access_permit_actions names it. */
    private int permit(String action, String cls, String name) {
        // Postfix 3.7 lab: "action=permit_mynetworks for Client host=h[a] ; from=<...>", with the
        // space before the semicolon.
        logPermit("action=" + action + " for " + cls + "=" + name + " ");
        return OK;
    }

    /** A PERMIT by an access table's OK/RELAY/number value, named as written in the table. */
    private int permit(String action, String cls, String name, String table) {
        logPermit("action=" + action + " for " + cls + "=" + name + " from " + table);
        return OK;
    }

    /**
     * smtpd_log_access_permit_actions (Postfix 3.2): a "permit" log line, unless a
     * defer_if_permit is pending, which overrules the permit (Postfix 3.7 lab).
     */
    private void logPermit(String text) {
        if (deferIfPermit == null && !e.permitLogActions.isEmpty()
                && e.permitLogActions.matches(text.substring("action=".length(), text.indexOf(" for ")))) {
            logLine("permit", text);
        }
    }

    // ---------------------------------------------------------------- client certificates (section 2.2)

    private static final String CCERT = "Client certificate";

    private boolean hasClientCert() {
        return f.ccertFingerprint() != null || f.ccertPubkeyFingerprint() != null;
    }

    /**
     * permit_tls_clientcerts and permit_tls_all_clientcerts: OK for a trusted certificate (the
     * latter only), or when the certificate fingerprint, then the public-key fingerprint, is a
     * key of relay_clientcerts, trusted or not (the fingerprint itself is the credential).
     */
    private int tlsClientcerts(String r, boolean all) {
        if (!f.tlsActive()) {
            return DUNNO;
        }
        if (all && f.ccertTrusted()) {
            note(r + ": the client certificate is trusted");
            return permit(r, CLIENT, clientNameAddr());
        }
        if (hasClientCert()) {
            for (String print : java.util.Arrays.asList(f.ccertFingerprint(), f.ccertPubkeyFingerprint())) {
                if (print == null) {
                    continue;
                }
                TableList relayCerts = maps(e.relayClientcerts);
                if (lookup(() -> relayCerts.find(print), "<" + clientNameAddr() + ">").isPresent()) {
                    note(r + ": fingerprint " + print + " is in relay_clientcerts");
                    return permit(r, CLIENT, clientNameAddr());
                }
            }
            note(r + ": neither fingerprint " + f.ccertFingerprint() + " nor public-key fingerprint "
                    + f.ccertPubkeyFingerprint() + " is in relay_clientcerts");
        } else if (!e.bool("smtpd_tls_ask_ccert")) {
            warning(r + " is requested, but \"smtpd_tls_ask_ccert = no\"");
        } else {
            note(r + ": the client presented no certificate");
        }
        return DUNNO;
    }

    /**
     * check_ccert_access type:table, or the Postfix 3.5 form
     * {@code check_ccert_access { type:table, { search_order = cert_fingerprint, pubkey_fingerprint } }}:
     * each fingerprint in search order is looked up and the first action other than DUNNO applies,
     * with the certificate's CN as the reply name and class "Client certificate". An untrusted
     * certificate is checked too.
     */
    private int ccertAccess(String r, String arg) {
        List<String> parts = PostfixLists.split(PostfixLists.unbrace(arg));
        String spec = parts.isEmpty() ? arg : parts.getFirst();
        List<String> order = List.of("cert_fingerprint", "pubkey_fingerprint");
        for (String option : parts.subList(Math.min(1, parts.size()), parts.size())) {
            String o = PostfixLists.unbrace(option);
            int eq = o.indexOf('=');
            if (eq < 0 || !o.substring(0, eq).strip().equals("search_order")) {
                warning(r + ": bad table option \"" + o + "\"; expected search_order = cert_fingerprint, pubkey_fingerprint");
                throw configError();
            }
            order = PostfixLists.split(o.substring(eq + 1));
        }
        LookupTable t = table(spec);
        if (!hasClientCert()) {
            if (f.tlsActive() && !e.bool("smtpd_tls_ask_ccert")) {
                warning(r + " is requested, but \"smtpd_tls_ask_ccert = no\"");
            }
            return DUNNO;
        }
        String cn = f.ccertSubject() == null ? "" : f.ccertSubject();
        for (String what : order) {
            String print = switch (what) {
                case "cert_fingerprint" -> f.ccertFingerprint();
                case "pubkey_fingerprint" -> f.ccertPubkeyFingerprint();
                default -> {
                    warning(r + ": unexpected search_order item '" + what + "' in '" + arg + "'");
                    throw configError();
                }
            };
            if (print == null) {
                continue;
            }
            Optional<SearchHit> hit = find(spec, () -> t.find(print).map(v -> new SearchHit(print, v)), cn, CCERT);
            if (hit.isPresent()) {
                int s = access(hit.get().value(), spec, cn, CCERT, true);
                if (s != DUNNO) {
                    return s;
                }
            }
        }
        return DUNNO;
    }

    // ---------------------------------------------------------------- reject machinery (1.4, 1.7)

    static String generic(String name, String cls, String text) {
        return "<" + name + ">: " + cls + " rejected: " + text;
    }

    private int code(String param) {
        return e.integer(param);
    }

    /**
     * smtpd_check_reject: warn_if_reject, defer_if_reject replacement, then the reply assembly
     * of section 1.7. {@code cls} selects the address-DSN mapping.
     */
    int reject(int code, String dsn, String text, String cls) {
        if (warnLevel > 0) {
            PolicyReply warned = assemble(code, dsn, text, cls);
            if (trace != null) {
                trace.flag("reject_warning", warned);
            }
            logLine("reject_warning", warned.toString());
            return DUNNO;
        }
        if (deferIfReject != null && code >= 500 && code <= 599) {
            Pending p = deferIfReject;
            code = p.code();
            dsn = p.dsn();
            text = p.text();
            cls = p.cls();
        }
        rejected = assemble(code, dsn, text, cls);
        logLine("reject", rejected.toString());
        return REJECT;
    }

    private int rejectSaved(Pending p) {
        if (trace != null) {
            trace.flag("defer_if_permit applied", assemble(p.code(), p.dsn(), p.text(), p.cls()));
        }
        warnLevel = 0;
        Pending saved = deferIfReject;
        deferIfReject = null;
        int s = reject(p.code(), p.dsn(), p.text(), p.cls());
        deferIfReject = saved;
        return s;
    }

    private PolicyReply assemble(int code, String dsn, String text, String cls) {
        PolicyReply r = Replies.assemble(code, dsn, text, cls, e.bool("soft_bounce"));
        if (r.code() == 450 && "Service unavailable".equals(r.text()) && (code < 400 || code > 599)) {
            warning("SMTP reply code configuration error: " + code + " " + dsn + " " + text);
        }
        return r;
    }

    int deferIfPermit(int code, String dsn, String text, String cls) {
        if (warnLevel > 0) {
            logLine("reject_warning", assemble(code, dsn, text, cls).toString());
            return DUNNO;
        }
        if (deferIfPermit == null) {
            deferIfPermit = new Pending(code, dsn, text, cls);
            if (trace != null) {
                trace.flag("defer_if_permit", assemble(code, dsn, text, cls));
            }
        }
        return DUNNO;
    }

    int deferIfReject(int code, String dsn, String text, String cls) {
        if (deferIfReject == null) {
            deferIfReject = new Pending(code, dsn, text, cls);
            if (trace != null) {
                trace.flag("defer_if_reject", assemble(code, dsn, text, cls));
            }
        }
        return DUNNO;
    }

    /** A DNS tempfail under a {@code *_tempfail_action} parameter (section 1.4). */
    int tempfail(String actionParam, int code, String dsn, String text, String cls) {
        return "defer".equals(e.get(actionParam)) ? reject(code, dsn, text, cls)
                : deferIfPermit(code, dsn, text, cls);
    }

    Abort configError() {
        return new Abort(451, "4.3.5", "Server configuration error");
    }

    private Abort lookupError(String name) {
        return new Abort(451, "4.3.0", "<" + name + ">: Temporary lookup failure");
    }

    private interface Lookup<T> {
        T get() throws LookupException;
    }

    private <T> T lookup(Lookup<T> l, String name) {
        try {
            return l.get();
        } catch (LookupException ex) {
            warning(ex.getMessage());
            throw new Abort(451, "4.3.0", name + ": Temporary lookup failure");
        }
    }

    void warning(String text) {
        log.add("warning: " + text);
        note("warning: " + text);
    }

    /**
     * True if the client is in this listener's {@code mynetworks} (what permit_mynetworks tests).
     * A lookup failure counts as not in mynetworks. The server uses it to sign mail from trusted
     * networks with DKIM.
     */
    public boolean clientInMynetworks(SessionFacts facts) {
        try {
            return e.mynetworks.matches(facts.clientAddress(), facts.clientName());
        } catch (LookupException ex) {
            return false;
        }
    }

    /** Section 1.8 log line. */
    void logLine(String verb, String text) {
        StringBuilder sb = new StringBuilder(160);
        sb.append(f.queueId() == null ? "NOQUEUE" : f.queueId()).append(": ").append(verb).append(": ")
                .append(stage).append(" from ").append(clientNameAddr()).append(": ").append(text);
        int mark = sb.length();
        if (f.sender() != null) {
            sb.append(" from=<").append(f.sender()).append('>');
        }
        if (f.recipient() != null) {
            sb.append(" to=<").append(Addresses.strip(f.recipient())).append('>');
        }
        if (f.protocol() != null) {
            sb.append(" proto=").append(f.protocol());
        }
        if (f.heloName() != null) {
            sb.append(" helo=<").append(f.heloName()).append('>');
        }
        if (sb.length() > mark) {
            sb.insert(mark, ';');
        }
        log.add(sb.toString());
    }

    // ---------------------------------------------------------------- session values

    SessionFacts facts() {
        return f;
    }

    PolicyEngine engine() {
        return e;
    }

    String clientNameAddr() {
        return f.clientName() + "[" + f.clientAddress() + "]";
    }

    /** The reply name of the reverse-hostname checks: the name alone, no address (Postfix 3.7 lab). */
    private String reverseNameAddr() {
        return f.reverseClientName();
    }

    private String rcpt() {
        return Addresses.strip(f.recipient());
    }

    private String domainOf(String address) {
        return e.classifier.domainOf(address);
    }

    private boolean saslEnabled() {
        return e.bool("smtpd_sasl_auth_enable");
    }

    boolean authorized(String recipient) {
        boolean yes = lookup(() -> e.classifier.isAuthorizedDestination(recipient), "<" + recipient + ">");
        note(recipient + (yes ? " is" : " is not") + " an authorized destination (mydestination, virtual_*_domains, "
                + "relay_domains)");
        return yes;
    }

    @SuppressWarnings("unchecked")
    <T> DnsResult<T> dns(String type, String name, Supplier<DnsResult<T>> query) {
        String key = type + " " + name.toLowerCase(Locale.ROOT);
        if (trace == null) {
            return (DnsResult<T>) dnsCache.computeIfAbsent(key, k -> query.get());
        }
        DnsResult<T> cached = (DnsResult<T>) dnsCache.get(key);
        DnsResult<T> r = cached != null ? cached : query.get();
        dnsCache.put(key, r);
        trace.dns(type, name, r, cached != null);
        return r;
    }

    /** A table list as the engine opened it, or one that reports its lookups when tracing. */
    private TableList maps(TableList list) {
        if (trace == null || list.isEmpty()) {
            return list;
        }
        return new TableList(list.spec(), list.tables().stream()
                .<LookupTable>map(t -> new TracingTable(t, trace)).toList());
    }

    // ---------------------------------------------------------------- generic and client restrictions

    private int sleep(String arg) {
        if (arg == null || !arg.matches("\\d+")) {
            warning("restriction sleep: bad argument: " + arg);
            throw configError();
        }
        try {
            e.sleeper.sleep(Duration.ofSeconds(Long.parseLong(arg)));
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        return DUNNO;
    }

    private int multiRecipientBounce(String name, String cls) {
        if (f.sender() == null || !f.sender().isEmpty()) {
            return DUNNO;
        }
        boolean atRcpt = stage.equals("RCPT");
        if (atRcpt ? f.recipientCount() >= 1 : f.recipientCount() >= 2) {
            return reject(code("multi_recipient_bounce_reject_code"), "5.5.3",
                    generic(name, cls, "Multi-recipient bounce"), cls);
        }
        return DUNNO;
    }

    /** Section 2.2: temporary failures are always 450; the text has no name prefix. */
    private int unknownClient(NameStatus status, String dsn, String what) {
        if (status == null || status == NameStatus.OK) {
            return DUNNO;
        }
        int code = status == NameStatus.TEMP ? 450 : code("unknown_client_reject_code");
        return reject(code, dsn, "Client host rejected: " + what + ", [" + f.clientAddress() + "]", CLIENT);
    }

    // ---------------------------------------------------------------- access tables (section 3)

    private LookupTable table(String spec) {
        LookupTable t = spec == null ? null : e.table(spec);
        if (t == null) {
            warning("bad argument: " + spec + " is not a lookup table");
            throw configError();
        }
        return trace == null ? t : new TracingTable(t, trace);
    }

    private Optional<SearchHit> find(String spec, Lookup<Optional<SearchHit>> l, String name, String cls) {
        try {
            return l.get();
        } catch (LookupException ex) {
            warning(spec + " lookup error: " + ex.getMessage());
            throw new Abort(451, "4.3.5", generic(name, cls, "Server configuration error"));
        }
    }

    /** check_client_access: the name and its parents, then the address (section 3.1). */
    private int clientAccess(String spec, String hostname, String name, String cls, boolean okAllowed) {
        LookupTable t = table(spec);
        HostSearch search = new HostSearch(e.parentMatchesAccess);
        Optional<SearchHit> hit = find(spec, () -> search.findName(t, hostname), name, cls);
        if (hit.isEmpty()) {
            hit = find(spec, () -> search.findAddress(t, f.clientAddress()), name, cls);
        }
        return hit.isEmpty() ? DUNNO : access(hit.get().value(), spec, name, cls, okAllowed);
    }

    /** check_helo_access / check_etrn_access: the domain walk only. */
    private int nameAccess(String spec, String hostname, String name, String cls) {
        LookupTable t = table(spec);
        HostSearch search = new HostSearch(e.parentMatchesAccess);
        Optional<SearchHit> hit = find(spec, () -> search.findName(t, hostname), name, cls);
        return hit.isEmpty() ? DUNNO : access(hit.get().value(), spec, name, cls, true);
    }

    /** check_sender_access / check_recipient_access (section 3.2). */
    private int addressAccess(String spec, String address, String cls) {
        if (address == null) {
            return DUNNO;
        }
        LookupTable t = table(spec);
        Optional<SearchHit> hit;
        if (address.isEmpty()) {
            String key = e.get("smtpd_null_access_lookup_key");
            hit = find(spec, () -> t.find(key).map(v -> new SearchHit(key, v)), address, cls);
        } else {
            String canonical = Addresses.canonical(address, e.myorigin);
            AddressSearch search = new AddressSearch(e.get("recipient_delimiter"), e.parentMatchesAccess);
            hit = find(spec, () -> search.find(t, canonical), address, cls);
        }
        if (hit.isEmpty()) {
            return DUNNO;
        }
        int s = access(hit.get().value(), spec, address, cls, true);
        if (s == OK && cls.equals(RECIPIENT) && AddressClassifier.hasSenderRouting(address)) {
            return DUNNO; // section 2.5: no OK for a source-routed recipient
        }
        return s;
    }

    private int saslAccess(String r, String spec) {
        if (!saslEnabled()) {
            warning("restriction `" + r + "' ignored: no SASL support");
            return DUNNO;
        }
        String login = f.saslUsername();
        if (login == null) {
            return DUNNO;
        }
        LookupTable t = table(spec);
        Optional<SearchHit> hit = find(spec, () -> t.find(login).map(v -> new SearchHit(login, v)), login,
                "SASL login name");
        return hit.isEmpty() ? DUNNO : access(hit.get().value(), spec, login, "SASL login name", true);
    }

    /**
     * An access(5) action (section 3.3, case-insensitive command words per section 13), with
     * the name and class of the lookup that found it.
     */
    int access(String value, String table, String name, String cls, boolean okAllowed) {
        String v = value.strip();
        int sp = indexOfSpace(v);
        String cmd = sp < 0 ? v : v.substring(0, sp);
        String rest = sp < 0 ? "" : v.substring(sp + 1).strip();
        String upper = cmd.toUpperCase(Locale.ROOT);
        boolean allDigits = !v.isEmpty() && v.chars().allMatch(c -> c >= '0' && c <= '9');
        if (allDigits || upper.equals("OK") || upper.equals("RELAY")) {
            if (!okAllowed) {
                warning("access table " + table + ": with " + "this check, action " + cmd + " is not allowed");
                throw configError();
            }
            return permit(allDigits ? v : cmd, cls, name, table);
        }
        switch (upper) {
            case "REJECT", "DEFER" -> {
                boolean defer = upper.equals("DEFER");
                String[] dt = dsnAndText(rest, defer ? "4.7.1" : "5.7.1", "Access denied");
                return reject(code(defer ? "access_map_defer_code" : "access_map_reject_code"), dt[0],
                        generic(name, cls, dt[1]), cls);
            }
            case "DEFER_IF_REJECT", "DEFER_IF_PERMIT" -> {
                String[] dt = dsnAndText(rest, "4.7.1", "Service unavailable");
                int code = code("access_map_defer_code");
                return upper.equals("DEFER_IF_REJECT") ? deferIfReject(code, dt[0], generic(name, cls, dt[1]), cls)
                        : deferIfPermit(code, dt[0], generic(name, cls, dt[1]), cls);
            }
            case "DUNNO" -> {
                return DUNNO;
            }
            case "WARN", "INFO" -> {
                logLine(upper.toLowerCase(Locale.ROOT), rest.isEmpty() ? generic(name, cls, "") : rest);
                return DUNNO;
            }
            case "HOLD", "DISCARD", "FILTER", "REDIRECT", "BCC", "PREPEND" -> {
                return sideAction(upper, rest, table, name, cls);
            }
            default -> { }
        }
        if (cmd.length() == 3 && (cmd.charAt(0) == '4' || cmd.charAt(0) == '5') && cmd.chars().allMatch(Character::isDigit)) {
            String[] dt = dsnAndText(rest, cmd.charAt(0) + ".7.1", "Access denied");
            return reject(Integer.parseInt(cmd), dt[0], generic(name, cls, dt[1]), cls);
        }
        // A restriction list (section 3.3 last row) with the table's name and class.
        List<String> items = PostfixLists.split(v);
        for (String item : items) {
            if (PostfixLists.isTable(item)) {
                warning("access table " + table + ": table " + item + ": lookup tables are not allowed here");
                throw configError();
            }
        }
        return tracedList(table + " -> " + v, items, name, cls, null);
    }

    private static int indexOfSpace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    /** An optional leading enhanced status code, then the text (defaults when missing). */
    static String[] dsnAndText(String rest, String defaultDsn, String defaultText) {
        String dsn = defaultDsn;
        String text = rest;
        int sp = indexOfSpace(rest);
        String first = sp < 0 ? rest : rest.substring(0, sp);
        if (first.matches("[245]\\.\\d{1,3}\\.\\d{1,3}")) {
            dsn = first;
            text = sp < 0 ? "" : rest.substring(sp + 1).strip();
        }
        return new String[] {dsn, text.isEmpty() ? defaultText : text};
    }

    /** HOLD, DISCARD, FILTER, REDIRECT, BCC, PREPEND (sections 1.6 and 3.3). */
    private int sideAction(String action, String rest, String table, String name, String cls) {
        if (!modifyingActionsAllowed || action.equals("PREPEND") && !prependAllowed) {
            warning("access table " + table + ": action " + action + " is not allowed in " + stage
                    + " restrictions; ignored");
            return DUNNO;
        }
        switch (action) {
            case "HOLD" -> {
                hold = rest.isEmpty() ? "triggers HOLD action" : rest;
                logLine("hold", "<" + name + ">: " + cls + " " + hold);
            }
            case "DISCARD" -> {
                discard = true;
                logLine("discard", "<" + name + ">: " + cls + " " + (rest.isEmpty() ? "triggers DISCARD action" : rest));
                return OK;
            }
            case "FILTER", "REDIRECT", "BCC" -> {
                if (rest.isEmpty() || action.equals("FILTER") && rest.indexOf(':') <= 0) {
                    warning("access table " + table + ": bad " + action + " argument: \"" + rest + "\"");
                    throw configError();
                }
                switch (action) {
                    case "FILTER" -> filter = rest;
                    case "REDIRECT" -> redirect = rest;
                    default -> bcc.add(rest);
                }
                logLine(action.toLowerCase(Locale.ROOT), "<" + name + ">: " + cls + " triggers " + action + " " + rest);
            }
            case "PREPEND" -> {
                if (rest.indexOf(':') <= 0) {
                    warning("access table " + table + ": PREPEND: bad header: \"" + rest + "\"");
                    throw configError();
                }
                prepend.add(rest);
            }
            default -> { }
        }
        return DUNNO;
    }

    /**
     * check_*_{a,mx,ns}_access (section 2.2): the A records, MX hosts or NS hosts of a domain,
     * each host looked up by name and then by its addresses. OK is a configuration error.
     */
    private int serverAccess(String r, String spec, String domain, String name, String cls) {
        LookupTable t = table(spec);
        if (domain == null) {
            return DUNNO;
        }
        if (domain.startsWith("[")) {
            // Postfix 3.7 treats an address literal as its own A record and MX host (as a domain
            // without MX is its own MX host); it has no name server (DifferentialDnsTest, l).
            String inside = domain.endsWith("]") ? domain.substring(1, domain.length() - 1) : "";
            if (r.endsWith("_ns_access") || !Addresses.validLiteral(inside)) {
                return DUNNO;
            }
            String address = inside.regionMatches(true, 0, "IPv6:", 0, 5) ? inside.substring(5) : inside;
            Optional<SearchHit> hit = find(spec, () -> new HostSearch(e.parentMatchesAccess).findAddress(t, address), name, cls);
            return hit.isPresent() ? access(hit.get().value(), spec, name, cls, false) : DUNNO;
        }
        List<String> hosts = new ArrayList<>();
        if (r.endsWith("_mx_access")) {
            DnsResult<MxHost> mx = dns("MX", domain, () -> e.dns.mx(domain));
            if (mx.found()) {
                mx.records().stream().filter(m -> !m.isNull()).forEach(m -> hosts.add(m.host()));
            } else if (mx.status() == DnsStatus.NODATA) {
                hosts.add(domain);
            }
        } else if (r.endsWith("_ns_access")) {
            for (String d = domain; d.indexOf('.') > 0 && hosts.isEmpty(); d = d.substring(d.indexOf('.') + 1)) {
                String q = d;
                DnsResult<String> ns = dns("NS", q, () -> e.dns.ns(q));
                hosts.addAll(ns.records());
                if (ns.tempfail()) {
                    break;
                }
            }
        }
        HostSearch search = new HostSearch(e.parentMatchesAccess);
        List<String> addresses = new ArrayList<>();
        if (r.endsWith("_a_access")) {
            addAddresses(domain, addresses);
        }
        for (String host : hosts) {
            Optional<SearchHit> hit = find(spec, () -> search.findName(t, host), name, cls);
            if (hit.isPresent()) {
                int s = access(hit.get().value(), spec, name, cls, false);
                if (s != DUNNO) {
                    return s;
                }
                continue;
            }
            addAddresses(host, addresses);
        }
        for (String a : addresses) {
            Optional<SearchHit> hit = find(spec, () -> search.findAddress(t, a), name, cls);
            if (hit.isPresent()) {
                int s = access(hit.get().value(), spec, name, cls, false);
                if (s != DUNNO) {
                    return s;
                }
            }
        }
        return DUNNO;
    }

    private void addAddresses(String host, List<String> out) {
        DnsResult<InetAddress> a = dns("ADDR", host, () -> e.dns.addresses(host));
        for (InetAddress ia : a.records()) {
            out.add(ia.getHostAddress());
        }
    }

    // ---------------------------------------------------------------- HELO (section 2.3)

    private int invalidHelo() {
        String h = f.heloName();
        if (h == null) {
            return DUNNO;
        }
        if (h.startsWith("[")) {
            return literalHelo(h);
        }
        if (Addresses.validHostname(h) || Addresses.validHostAddress(h)) {
            return DUNNO;
        }
        return reject(code("invalid_hostname_reject_code"), "5.5.2", generic(h, HELO, "Invalid name"), HELO);
    }

    private int literalHelo(String h) {
        if (h.endsWith("]") && Addresses.validLiteral(h.substring(1, h.length() - 1))) {
            return DUNNO;
        }
        return reject(code("invalid_hostname_reject_code"), "5.5.2", generic(h, HELO, "invalid ip address"), HELO);
    }

    /** Section 13: a bare IPv4 address is not fully qualified. */
    private int nonFqdnHelo() {
        String h = f.heloName();
        if (h == null) {
            return DUNNO;
        }
        if (h.startsWith("[")) {
            return literalHelo(h);
        }
        String n = h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
        if (Addresses.validHostname(h) && n.indexOf('.') > 0) {
            return DUNNO;
        }
        return reject(code("non_fqdn_reject_code"), "5.5.2", generic(h, HELO, "need fully-qualified hostname"), HELO);
    }

    private int unknownHelo() {
        String h = f.heloName();
        if (h == null || h.startsWith("[")) {
            return DUNNO;
        }
        String n = h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
        DnsResult<InetAddress> a = dns("ADDR", n, () -> e.dns.addresses(n));
        if (a.found()) {
            return DUNNO;
        }
        DnsResult<MxHost> mx = dns("MX", n, () -> e.dns.mx(n));
        if (mx.found()) {
            return DUNNO; // nullMX counts as existing
        }
        String text = generic(h, HELO, "Host not found");
        if (a.tempfail() || mx.tempfail()) {
            return tempfail("unknown_helo_hostname_tempfail_action", 450, "4.7.1", text, HELO);
        }
        return reject(code("unknown_hostname_reject_code"), "4.7.1", text, HELO);
    }

    // ---------------------------------------------------------------- addresses (sections 2.4, 2.5, 2.6)

    private int nonFqdnAddress(String address, String cls) {
        if (address == null || address.isEmpty()) {
            return DUNNO;
        }
        int at = address.lastIndexOf('@');
        String domain = at < 0 ? "" : address.substring(at + 1);
        if (domain.startsWith("[")) {
            return DUNNO;
        }
        String n = domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
        if (!n.isEmpty() && Addresses.validHostname(domain) && n.indexOf('.') > 0) {
            return DUNNO;
        }
        return reject(code("non_fqdn_reject_code"), "5.5.2", generic(address, cls, "need fully-qualified address"), cls);
    }

    /** reject_unknown_sender_domain / _recipient_domain: final domains skipped, MX then A/AAAA. */
    private int unknownDomain(String address, String cls) {
        if (address == null || address.isEmpty()) {
            return DUNNO;
        }
        String canonical = Addresses.canonical(address, e.myorigin);
        String domain = domainOf(canonical);
        if (domain.startsWith("[")) {
            return DUNNO;
        }
        AddressClass c = lookup(() -> e.classifier.classify(domain), "<" + address + ">");
        note(domain + ": address class " + c + (c.isFinal() ? " (final: no DNS check)" : ""));
        if (c.isFinal()) {
            return DUNNO;
        }
        boolean sender = cls.equals(SENDER);
        String dsn = sender ? "4.1.8" : "4.1.2";
        String d = domain.endsWith(".") ? domain.substring(0, domain.length() - 1) : domain;
        DnsResult<MxHost> mx = dns("MX", d, () -> e.dns.mx(d));
        DnsStatus status = mx.status();
        if (mx.found()) {
            // RFC 7505 section 3: a null MX ("0 .") must be the only MX record. Postfix 3.7 calls
            // the domain a null-MX domain whenever any MX record names the root, whatever its
            // preference and the other records (DifferentialDnsTest u, v).
            if (mx.records().stream().anyMatch(m -> m.host().isEmpty())) {
                String text = generic(address, cls, "Domain " + d + " does not accept mail (nullMX)");
                return sender ? reject(550, "5.7.27", text, cls) : reject(556, "5.1.10", text, cls);
            }
            return DUNNO; // any MX, numeric ones included (section 13)
        }
        if (status == DnsStatus.NODATA) {
            DnsResult<InetAddress> a = dns("ADDR", d, () -> e.dns.addresses(d));
            if (a.found()) {
                return DUNNO;
            }
            status = a.status();
        }
        String text = generic(address, cls, "Domain not found");
        if (status == DnsStatus.TEMPFAIL) {
            return tempfail("unknown_address_tempfail_action", 450, dsn, text, cls);
        }
        return reject(code("unknown_address_reject_code"), dsn, text, cls);
    }

    /**
     * permit_mx_backup (deprecated, section 2.5): OK for an authorized destination, or when one of
     * the domain's MX hosts is this machine; with permit_mx_backup_networks, every MX host preferred
     * over ours must be in those networks.
     */
    private int mxBackup() {
        String r = rcpt();
        if (r == null || r.isEmpty() || AddressClassifier.hasSenderRouting(r)) {
            return DUNNO;
        }
        if (authorized(r)) {
            return OK;
        }
        String domain = domainOf(Addresses.canonical(r, e.myorigin));
        DnsResult<MxHost> mx = dns("MX", domain, () -> e.dns.mx(domain));
        if (!mx.found()) {
            return DUNNO;
        }
        List<MxHost> hosts = mx.records().stream().filter(m -> !m.isNull())
                .sorted(java.util.Comparator.comparingInt(MxHost::preference)).toList();
        List<String> networks = e.params.list("permit_mx_backup_networks");
        for (MxHost h : hosts) {
            List<String> addresses = new ArrayList<>();
            addAddresses(h.host(), addresses);
            if (addresses.stream().anyMatch(e.classifier::isOwnAddress)) {
                return OK;
            }
            if (!networks.isEmpty() && addresses.stream().noneMatch(a -> networks.stream()
                    .map(IpNet::parse).anyMatch(n -> n != null && n.contains(IpNet.bytes(a))))) {
                return DUNNO;
            }
        }
        return DUNNO;
    }

    /**
     * reject_unverified_sender/recipient (section 2.4/2.5): asks the address verification
     * service. Deliverable: DUNNO. Undeliverable: {@code unverified_*_reject_code}, "undeliverable
     * address" with the probe's reason. Not known yet (probe in progress or deferred):
     * {@code unverified_*_defer_code}, "unverified address", a temporary error handled by
     * {@code unverified_*_tempfail_action} (by default defer_if_permit: a later restriction may
     * still reject). An undeliverable address with a 4xx reject code (the default 450) is such a
     * temporary error too, with the reject code. {@code unverified_*_reject_reason} replaces the
     * probe's reason in every refusal. No service: the tempfail action. (All as Postfix 3.7
     * answers, see DifferentialVerifyTest.)
     */
    private int unverified(String address, String cls, String tempfailParam, String dsn) {
        if (address == null || address.isEmpty()) {
            return DUNNO;
        }
        String kind = cls.equals(SENDER) ? "sender" : "recipient";
        AddressVerification.Result r;
        try {
            if (e.addressVerification == null) {
                throw new IllegalStateException("address verification service is not available");
            }
            r = e.addressVerification.verify(address);
        } catch (RuntimeException ex) {
            warning("address verification service: " + ex.getMessage());
            return tempfail(tempfailParam, 450, dsn, generic(address, cls, "address verification problem"), cls);
        }
        note("reject_unverified_" + kind + ": <" + address + ">: " + r.status() + " (" + r.text() + ")");
        String fixedReason = e.get("unverified_" + kind + "_reject_reason");
        String reason = fixedReason.isEmpty() ? r.text() : fixedReason;
        int rejectCode = code("unverified_" + kind + "_reject_code");
        return switch (r.status()) {
            case DELIVERABLE -> DUNNO;
            case UNDELIVERABLE -> rejectCode / 100 == 4
                    ? tempfail(tempfailParam, rejectCode, dsn, generic(address, cls, "unverified address: " + reason), cls)
                    : reject(rejectCode, dsn, generic(address, cls, "undeliverable address: " + reason), cls);
            case UNKNOWN -> tempfail(tempfailParam, code("unverified_" + kind + "_defer_code"), dsn,
                    generic(address, cls, "unverified address: " + reason), cls);
        };
    }

    private int unauthDestination(int code) {
        String r = rcpt();
        if (r == null || authorized(r)) {
            return DUNNO;
        }
        return reject(code, "5.7.1", "<" + r + ">: Relay access denied", RECIPIENT);
    }

    /** Section 2.6. */
    private int unlisted(String address, boolean sender) {
        if (address == null || address.isEmpty()) {
            return DUNNO;
        }
        String cls = sender ? SENDER : RECIPIENT;
        String dsn = sender ? "5.1.0" : "5.1.1";
        String addr = Addresses.canonical(address, e.myorigin);
        String key = "<" + address + ">";
        AddressSearch search = new AddressSearch(e.get("recipient_delimiter"), false);
        if (!e.virtualAliasMaps.isEmpty() && lookup(() -> search.findVirtual(maps(e.virtualAliasMaps), addr), key).isPresent()) {
            return DUNNO;
        }
        AddressClass c = lookup(() -> e.classifier.classifyAddress(addr), key);
        note(addr + ": address class " + c);
        boolean show = e.bool("show_user_unknown_table_name");
        return switch (c) {
            case VIRTUAL_ALIAS -> reject(code("unknown_virtual_alias_reject_code"), dsn,
                    generic(address, cls, "User unknown in virtual alias table"), cls);
            case LOCAL -> {
                String local = addr.substring(0, addr.lastIndexOf('@')).toLowerCase(Locale.ROOT);
                if (local.equals("postmaster") || local.equals("mailer-daemon") || e.localRecipientMaps.isEmpty()
                        || found(maps(e.localRecipientMaps), localKeys(search, addr), key)) {
                    yield DUNNO;
                }
                yield reject(code("unknown_local_recipient_reject_code"), dsn,
                        generic(address, cls, "User unknown" + (show ? " in local recipient table" : "")), cls);
            }
            case VIRTUAL_MAILBOX -> e.virtualMailboxMaps.isEmpty()
                    || found(maps(e.virtualMailboxMaps), search.virtualKeys(addr), key) ? DUNNO
                    : reject(code("unknown_virtual_mailbox_reject_code"), dsn,
                    generic(address, cls, "User unknown" + (show ? " in virtual mailbox table" : "")), cls);
            case RELAY -> e.relayRecipientMaps.isEmpty()
                    || found(maps(e.relayRecipientMaps), search.virtualKeys(addr), key) ? DUNNO
                    : reject(code("unknown_relay_recipient_reject_code"), dsn,
                    generic(address, cls, "User unknown" + (show ? " in relay recipient table" : "")), cls);
            case DEFAULT -> DUNNO;
        };
    }

    /** Mail-address search order with the localpart keys of local domains (section 2.6). */
    private static List<String> localKeys(AddressSearch search, String addr) {
        int at = addr.lastIndexOf('@');
        String local = addr.substring(0, at);
        List<String> keys = new ArrayList<>(List.of(addr, search.baseLocalpart(local) + addr.substring(at), local,
                search.baseLocalpart(local), addr.substring(at)));
        return keys.stream().distinct().toList();
    }

    private boolean found(TableList tables, List<String> keys, String name) {
        for (String k : keys) {
            if (lookup(() -> tables.find(k), name).isPresent()) {
                return true;
            }
        }
        return false;
    }

    /** Section 2.4: the *_sender_login_mismatch restrictions. */
    private int loginMismatch(String r, boolean checkAuthenticated, boolean checkUnauthenticated, boolean knownOnly) {
        if (!saslEnabled()) {
            warning("restriction `" + r + "' ignored: no SASL support");
            return DUNNO;
        }
        String sender = f.sender();
        if (sender == null || sender.isEmpty()) {
            return DUNNO;
        }
        String login = f.saslUsername();
        if (login != null && !checkAuthenticated || login == null && !checkUnauthenticated) {
            return DUNNO;
        }
        String addr = Addresses.canonical(sender, e.myorigin);
        String key = "<" + sender + ">";
        List<String> owners = owners(addr, key);
        if (login != null) {
            if (owners == null && knownOnly) {
                return DUNNO;
            }
            if (owners != null && owners.stream().anyMatch(o -> o.equalsIgnoreCase(login))) {
                return DUNNO;
            }
            return reject(553, "5.7.1", generic(sender, SENDER, "not owned by user " + login), SENDER);
        }
        return owners == null ? DUNNO : reject(553, "5.7.1", generic(sender, SENDER, "not logged in"), SENDER);
    }

    /** The owners of a sender in smtpd_sender_login_maps, or null when it has no entry. */
    private List<String> owners(String addr, String key) {
        if (e.senderLoginMaps.isEmpty()) {
            return null;
        }
        AddressSearch search = new AddressSearch(e.get("recipient_delimiter"), false);
        int at = addr.lastIndexOf('@');
        boolean local = lookup(() -> e.classifier.classifyAddress(addr), key) == AddressClass.LOCAL;
        List<String> keys = new ArrayList<>(List.of(addr, search.baseLocalpart(addr.substring(0, at)) + addr.substring(at)));
        if (local) {
            keys.add(addr.substring(0, at));
        }
        keys.add(addr.substring(at));
        for (String k : keys.stream().distinct().toList()) {
            TableList loginMaps = maps(e.senderLoginMaps);
            Optional<String> v = lookup(() -> loginMaps.find(k), key);
            if (v.isPresent()) {
                return PostfixLists.split(v.get());
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- check_spf (docs/spf.md)

    /** Longest SPF explanation or problem text quoted in a reply; the rest is cut. */
    private static final int MAX_SPF_TEXT = 200;

    /**
     * check_spf: the HELO identity when spf_helo_reject = yes, then the MAIL FROM identity, each
     * evaluated once (SpfCheck caches them). RFC 7208 section 8: fail is rejected with 550 5.7.23
     * and the explanation (8.4; the code of RFC 7372 section 3.2); temperror follows
     * spf_tempfail_action with 450 4.7.24 (8.6) and permerror spf_permerror_action with 550
     * 5.7.24 (8.7); pass, softfail, neutral and none are DUNNO (8.1 to 8.3, 8.5). Loopback
     * clients are not checked, like policyd-spf's default skip_addresses.
     */
    private int checkSpf(String name, String cls) {
        InetAddress ip = clientIp();
        if (ip == null || skipped()) {
            note("check_spf: client address " + f.clientAddress() + " is not checked (spf_dmarc_skip_addresses or unknown)");
            return DUNNO;
        }
        String helo = f.heloName();
        String sender = f.sender();
        if (helo != null && e.bool("spf_helo_reject")) {
            SpfOutcome h = traceSpf(spf.helo(ip, f.clientAddress(), helo));
            if (h.verdict().result() == SpfResult.FAIL) {
                return reject(550, "5.7.23", generic(name, cls, "SPF fail for HELO " + helo + ": "
                        + shorten(h.verdict().explanation())), cls);
            }
        }
        if (sender == null || sender.isEmpty() && helo == null) {
            return DUNNO; // before MAIL FROM, or a null sender without HELO: no identity to check (2.4)
        }
        SpfOutcome m = traceSpf(spf.mailFrom(ip, f.clientAddress(), sender, helo));
        SpfVerdict v = m.verdict();
        String what = "SPF " + v.result().word() + (m.identity().equals(SpfCheck.HELO) ? " for HELO " + helo : "") + ": ";
        return switch (v.result()) {
            case FAIL -> reject(550, "5.7.23", generic(name, cls, what + shorten(v.explanation())), cls);
            case TEMPERROR -> {
                String text = generic(name, cls, what + shorten(v.mechanism()));
                yield switch (e.get("spf_tempfail_action")) {
                    case "dunno" -> DUNNO;
                    case "defer" -> reject(450, "4.7.24", text, cls);
                    default -> deferIfPermit(450, "4.7.24", text, cls);
                };
            }
            case PERMERROR -> "reject".equals(e.get("spf_permerror_action"))
                    ? reject(550, "5.7.24", generic(name, cls, what + shorten(v.mechanism())), cls) : DUNNO;
            default -> DUNNO;
        };
    }

    // ---------------------------------------------------------------- check_dmarc (docs/dmarc.md)

    /**
     * check_dmarc, at end of data: DMARC (RFC 9989) for the message's author domain, with the
     * SPF result of the MAIL FROM identity (evaluated here unless check_spf already did, RFC 9989
     * section 4.4.1) and every DKIM signature the server verified on the received bytes. Applies
     * the disposition of section 5.3.1 step 6 (after t=): reject replies 550 5.7.1; quarantine
     * follows dmarc_quarantine_action (hold in the queue, deliver marked as junk, or accept);
     * temperror follows dmarc_tempfail_action. Every evaluation is handed to the engine's
     * recorder for aggregate reports. Loopback clients are not checked, as in check_spf.
     */
    private int checkDmarc(String name, String cls) {
        List<HeaderField> headers = f.messageHeaders();
        if (headers == null) {
            note("check_dmarc: no message yet (check_dmarc works in smtpd_end_of_data_restrictions)");
            return DUNNO;
        }
        InetAddress ip = clientIp();
        if (ip == null || skipped()) {
            note("check_dmarc: client address " + f.clientAddress() + " is not checked (spf_dmarc_skip_addresses or unknown)");
            return DUNNO;
        }
        if (dmarc == null) {
            org.postern.dmarc.SpfCheck spfInput = spfForDmarc(ip);
            List<DkimCheck> dkimInput = dkimForDmarc();
            dmarc = e.dmarc.evaluate(AuthorDomain.extract(headers), spfInput, dkimInput);
            e.dmarcRecorder.accept(evaluation(dmarc, spfInput, dkimInput));
        }
        if (trace != null) {
            dmarc.trace().forEach(line -> note("check_dmarc: " + line));
        }
        DmarcVerdict v = dmarc;
        String domain = v.policyDomain().isEmpty() ? v.authorDomain() : v.policyDomain();
        return switch (v.result()) {
            case FAIL -> switch (v.disposition()) {
                case REJECT -> reject(550, "5.7.1", generic(name, cls, "DMARC policy of " + domain
                        + " rejects this message: " + misaligned(v)), cls);
                case QUARANTINE -> quarantine(name, cls, domain, v);
                case NONE -> DUNNO;
            };
            case TEMPERROR -> {
                String text = generic(name, cls, "DMARC temporary error for " + v.authorDomain() + ": try again later");
                yield switch (e.get("dmarc_tempfail_action")) {
                    case "dunno" -> DUNNO;
                    case "defer" -> reject(450, "4.7.1", text, cls);
                    default -> deferIfPermit(450, "4.7.1", text, cls);
                };
            }
            default -> DUNNO;
        };
    }

    private int quarantine(String name, String cls, String domain, DmarcVerdict v) {
        String why = "DMARC policy of " + domain + " quarantines this message: " + misaligned(v);
        switch (e.get("dmarc_quarantine_action")) {
            case "hold" -> {
                hold = why;
                logLine("hold", "<" + name + ">: " + cls + " " + why);
            }
            case "junk" -> junk = true;
            default -> { }
        }
        return DUNNO;
    }

    /** What the store keeps of one evaluation, for the aggregate reports of RFC 9990. */
    private DmarcEvaluation evaluation(DmarcVerdict v, org.postern.dmarc.SpfCheck spfInput, List<DkimCheck> dkimInput) {
        String dkim = dkimInput.stream().map(d -> "d=" + d.domain() + " s=" + d.selector() + " " + d.result().word())
                .collect(java.util.stream.Collectors.joining(", "));
        return new DmarcEvaluation(java.time.Instant.now(), f.queueId() == null ? "" : f.queueId(), f.clientAddress(),
                v.authorDomain(), v.policyDomain(), spfInput.domain(), spfInput.result().word(), v.spfAligned(), dkim,
                v.dkimAligned(), v.result().word(), v.disposition().word());
    }

    private static String misaligned(DmarcVerdict v) {
        return "neither SPF nor DKIM passed for a domain aligned with " + v.authorDomain();
    }

    /**
     * The SPF input of DMARC: only the MAIL FROM identity (RFC 9989 section 4.4.1), whose domain
     * is the sender's, or the HELO name for the null sender (RFC 7208 section 2.4).
     */
    private org.postern.dmarc.SpfCheck spfForDmarc(InetAddress ip) {
        String sender = f.sender();
        String helo = f.heloName();
        if (sender == null || sender.isEmpty() && (helo == null || helo.isEmpty())) {
            return org.postern.dmarc.SpfCheck.NONE;
        }
        SpfOutcome o = spf.mailFrom(ip, f.clientAddress(), sender, helo);
        String domain = sender.isEmpty() ? helo : sender.substring(sender.lastIndexOf('@') + 1);
        return new org.postern.dmarc.SpfCheck(o.verdict().result(), domain);
    }

    private List<DkimCheck> dkimForDmarc() {
        DkimVerification d = f.dkimVerification();
        return d == null ? List.of() : DkimCheck.of(d);
    }

    /** spf_dmarc_skip_addresses: local programs (webmail on this host) are not checked, as policyd-spf's skip_addresses. */
    private boolean skipped() {
        return lookup(() -> e.spfDmarcSkip.matches(f.clientAddress(), f.clientName()), "spf_dmarc_skip_addresses");
    }

    private InetAddress clientIp() {
        String a = f.clientAddress();
        try {
            return a == null ? null : InetAddress.ofLiteral(a);
        } catch (IllegalArgumentException ex) {
            return null;
        }
    }

    private SpfOutcome traceSpf(SpfOutcome o) {
        if (trace != null) {
            note("check_spf: identity " + o.identity() + " <" + o.sender() + ">: " + o.verdict().result().word());
            o.verdict().trace().forEach(this::note);
        }
        return o;
    }

    private static String shorten(String text) {
        return text.length() <= MAX_SPF_TEXT ? text : text.substring(0, MAX_SPF_TEXT) + "...";
    }

    // ---------------------------------------------------------------- policy service (section 6.1)

    private int policyService(String arg, String name, String cls) {
        PolicyClient client = e.policyClient(arg);
        if (client == null) {
            warning("restriction check_policy_service: bad argument: " + arg);
            throw configError();
        }
        String action = client.query(policyAttributes(client));
        String a = action.strip();
        int sp = indexOfSpace(a);
        String first = sp < 0 ? a : a.substring(0, sp);
        // a bare restriction name such as "permit" is allowed; a table is not (section 3.3)
        return access(a.isEmpty() ? "DUNNO" : a, first.isEmpty() ? "policy" : client.endpoint(), name, cls, true);
    }

    private List<String[]> policyAttributes(PolicyClient client) {
        boolean dataStage = stage.equals("DATA") || stage.equals("END-OF-MESSAGE");
        String rcpt = rcpt();
        List<String[]> a = new ArrayList<>(32);
        a.add(new String[] {"request", "smtpd_access_policy"});
        a.add(new String[] {"protocol_state", stage});
        a.add(new String[] {"protocol_name", f.protocol()});
        a.add(new String[] {"client_address", f.clientAddress()});
        a.add(new String[] {"client_name", f.clientName()});
        a.add(new String[] {"client_port", String.valueOf(f.clientPort())});
        a.add(new String[] {"reverse_client_name", f.reverseClientName()});
        a.add(new String[] {"server_address", f.serverAddress()});
        a.add(new String[] {"server_port", String.valueOf(f.serverPort())});
        a.add(new String[] {"helo_name", f.heloName()});
        a.add(new String[] {"sender", f.sender()});
        a.add(new String[] {"recipient", dataStage && f.recipientCount() > 1 ? "" : rcpt});
        a.add(new String[] {"recipient_count", dataStage ? String.valueOf(f.recipientCount()) : "0"});
        a.add(new String[] {"queue_id", f.queueId()});
        a.add(new String[] {"instance", f.instance()});
        a.add(new String[] {"size", String.valueOf(f.messageSize())});
        a.add(new String[] {"etrn_domain", f.etrnDomain()});
        a.add(new String[] {"stress", ""});
        a.add(new String[] {"sasl_method", f.saslMethod()});
        a.add(new String[] {"sasl_username", f.saslUsername()});
        a.add(new String[] {"sasl_sender", f.saslSender()});
        // Postfix 3.7 lab: subject and issuer (xtext) only for a trusted certificate, the
        // fingerprints for any certificate.
        boolean trusted = f.ccertTrusted();
        a.add(new String[] {"ccert_subject", trusted ? Xtext.encode(f.ccertSubject()) : ""});
        a.add(new String[] {"ccert_issuer", trusted ? Xtext.encode(f.ccertIssuer()) : ""});
        a.add(new String[] {"ccert_fingerprint", f.ccertFingerprint() == null ? "" : f.ccertFingerprint()});
        a.add(new String[] {"ccert_pubkey_fingerprint", f.ccertPubkeyFingerprint() == null ? "" : f.ccertPubkeyFingerprint()});
        a.add(new String[] {"encryption_protocol", f.tlsActive() ? f.tlsProtocol() : ""});
        a.add(new String[] {"encryption_cipher", f.tlsActive() ? f.tlsCipher() : ""});
        a.add(new String[] {"encryption_keysize", f.tlsActive() ? String.valueOf(f.tlsCipherBits()) : "0"});
        a.add(new String[] {"policy_context", client.policyContext});
        return a;
    }
}
