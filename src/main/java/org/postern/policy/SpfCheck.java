package org.postern.policy;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

import org.postern.spf.Spf;
import org.postern.spf.SpfVerdict;

/**
 * The SPF state of one SMTP session for {@code check_spf} (docs/spf.md): the HELO identity
 * checked once per HELO name, the MAIL FROM identity once per transaction, and the
 * {@code Received-SPF} header of RFC 7208 section 9.1 for each checked identity, once per
 * transaction. Not thread-safe, like its {@link PolicySession}.
 */
final class SpfCheck {

    static final String MAILFROM = "mailfrom";
    static final String HELO = "helo";

    /** RFC 5322 atext; a value made of dot-separated atext runs is a dot-atom and needs no quotes. */
    private static final Pattern DOT_ATOM =
            Pattern.compile("[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*");

    private final Spf spf;
    private final String receiver;
    /** Session: the HELO identity (also the MAIL FROM identity of the null sender, RFC 7208 2.4). */
    private SpfOutcome helo;
    /** Transaction: the MAIL FROM identity of a non-null sender. */
    private SpfOutcome mailFrom;
    private boolean heloHeader;
    private boolean mailFromHeader;

    SpfCheck(Spf spf, String receiver) {
        this.spf = spf;
        this.receiver = receiver == null || receiver.isBlank() ? "unknown" : receiver;
    }

    void resetTransaction() {
        mailFrom = null;
        heloHeader = false;
        mailFromHeader = false;
    }

    /** The HELO identity (RFC 7208 section 2.3), evaluated once per HELO name and client. */
    SpfOutcome helo(InetAddress ip, String clientIp, String heloName) {
        if (helo == null || !helo.helo().equals(heloName) || !helo.clientIp().equals(clientIp)) {
            helo = new SpfOutcome(HELO, "postmaster@" + heloName, heloName, clientIp, spf.checkHelo(ip, heloName));
        }
        return helo;
    }

    /**
     * The MAIL FROM identity (RFC 7208 section 2.4), evaluated once per transaction. For the null
     * sender it is {@code postmaster@HELO}: the HELO identity's outcome, without a second check.
     */
    SpfOutcome mailFrom(InetAddress ip, String clientIp, String sender, String heloName) {
        if (sender.isEmpty()) {
            return helo(ip, clientIp, heloName);
        }
        String h = heloName == null ? "" : heloName;
        if (mailFrom == null || !mailFrom.sender().equals(sender) || !mailFrom.helo().equals(h)
                || !Objects.equals(mailFrom.clientIp(), clientIp)) {
            mailFrom = new SpfOutcome(MAILFROM, sender, h, clientIp, spf.checkMailFrom(ip, sender, heloName));
        }
        return mailFrom;
    }

    /** What was checked for this transaction: the MAIL FROM identity, then the HELO identity. */
    List<SpfOutcome> outcomes() {
        List<SpfOutcome> out = new ArrayList<>(2);
        if (mailFrom != null) {
            out.add(mailFrom);
        }
        if (helo != null) {
            out.add(helo);
        }
        return out;
    }

    /** Adds the Received-SPF header of each outcome that has none yet in this transaction. */
    void addHeaders(List<String> prepend) {
        if (mailFrom != null && !mailFromHeader) {
            prepend.add(header(mailFrom));
            mailFromHeader = true;
        }
        if (helo != null && !heloHeader) {
            prepend.add(header(helo));
            heloHeader = true;
        }
    }

    /**
     * {@code Received-SPF: result (comment) key=value; ...} (RFC 7208 section 9.1): the keys
     * client-ip, envelope-from (MAIL FROM identity only), helo, receiver, identity, and the
     * matching mechanism, or the problem for temperror and permerror.
     */
    String header(SpfOutcome o) {
        SpfVerdict v = o.verdict();
        StringBuilder h = new StringBuilder("Received-SPF: ").append(v.result().word())
                .append(" (").append(comment(receiver + ": " + explain(o))).append(")");
        pair(h, "client-ip", o.clientIp());
        if (o.identity().equals(MAILFROM)) {
            pair(h, "envelope-from", o.sender());
        }
        if (!o.helo().isEmpty()) {
            pair(h, "helo", o.helo());
        }
        pair(h, "receiver", receiver);
        pair(h, "identity", o.identity());
        switch (v.result()) {
            case TEMPERROR, PERMERROR -> {
                if (!v.mechanism().isEmpty()) {
                    pair(h, "problem", v.mechanism());
                }
            }
            case PASS, FAIL, SOFTFAIL, NEUTRAL -> {
                if (!v.mechanism().isEmpty()) {
                    pair(h, "mechanism", v.mechanism());
                }
            }
            case NONE -> { }
        }
        return h.append(';').toString();
    }

    /** The human comment after the result, in the style of the examples of RFC 7208 section 9.1. */
    private static String explain(SpfOutcome o) {
        String s = o.sender();
        String ip = o.clientIp();
        return switch (o.verdict().result()) {
            case PASS -> "domain of " + s + " designates " + ip + " as permitted sender";
            case FAIL -> "domain of " + s + " does not designate " + ip + " as permitted sender";
            case SOFTFAIL -> "domain of transitioning " + s + " does not designate " + ip + " as permitted sender";
            case NEUTRAL -> ip + " is neither permitted nor denied by domain of " + s;
            case NONE -> "domain of " + s + " does not designate permitted sender hosts";
            case TEMPERROR -> "temporary error in processing the SPF record of " + s;
            case PERMERROR -> "permanent error in processing the SPF record of " + s;
        };
    }

    private static void pair(StringBuilder h, String key, String value) {
        if (h.charAt(h.length() - 1) != ')') {
            h.append(';');
        }
        h.append(' ').append(key).append('=').append(quote(value));
    }

    /** A dot-atom as it is, anything else as an RFC 5322 quoted-string. */
    static String quote(String value) {
        if (DOT_ATOM.matcher(value).matches()) {
            return value;
        }
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** Text safe inside an RFC 5322 comment. */
    private static String comment(String text) {
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)");
    }
}
