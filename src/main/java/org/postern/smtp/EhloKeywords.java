package org.postern.smtp;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Builds the EHLO reply (RFC 5321 section 4.1.1.1: the host name, then one service extension
 * per line) in Postfix's order (checked against Postfix 3.7.11; STARTTLS and AUTH were each seen
 * between ETRN and XCLIENT, their order relative to each other is from Postfix's source):
 * PIPELINING (RFC 2920), SIZE (RFC 1870), VRFY, ETRN (RFC 1985), STARTTLS (RFC 3207), AUTH and
 * AUTH= (RFC 4954; the second for broken_sasl_auth_clients), XCLIENT, ENHANCEDSTATUSCODES
 * (RFC 2034), 8BITMIME (RFC 6152), DSN (RFC 3461), SMTPUTF8 (RFC 6531), CHUNKING (RFC 3030).
 *
 * <p>{@code smtpd_discard_ehlo_keywords} removes keywords (case-insensitive names as Postfix
 * spells them: pipelining, size, vrfy, etrn, starttls, auth, xclient, enhancedstatuscodes,
 * 8bitmime, dsn, smtputf8, chunking); {@code silent-discard} in the list asks not to log the
 * removal. The caller must also refuse the matching parameters (e.g. DSN:
 * {@link EnvelopeOptions#dsnEnabled()}).
 */
public final class EhloKeywords {
    /** The XCLIENT attribute list Postfix 3.7 announces (lab). */
    public static final String POSTFIX_XCLIENT_ATTRIBUTES = "NAME ADDR PROTO HELO REVERSE_NAME PORT LOGIN DESTADDR DESTPORT";
    private final String hostname;
    private long sizeLimit;
    private boolean vrfy = true;
    private boolean etrn = true;
    private boolean starttls;
    private List<String> authMechanisms = List.of();
    private boolean brokenAuthClients;
    private String xclientAttributes;
    private boolean smtputf8 = true;
    private Discard discard = Discard.NONE;

    private EhloKeywords(String hostname) {
        this.hostname = hostname;
    }

    /** Starts with Postfix's defaults: no STARTTLS, no AUTH, no XCLIENT, SMTPUTF8 on, nothing discarded. */
    public static EhloKeywords forHost(String myHostname) {
        return new EhloKeywords(myHostname);
    }

    /** message_size_limit; 0 gives "SIZE" without a number (RFC 1870 section 4: no fixed limit). */
    public EhloKeywords sizeLimit(long bytes) {
        this.sizeLimit = bytes;
        return this;
    }

    /** VRFY is listed unless disable_vrfy_command = yes. */
    public EhloKeywords vrfy(boolean enabled) {
        this.vrfy = enabled;
        return this;
    }

    public EhloKeywords etrn(boolean enabled) {
        this.etrn = enabled;
        return this;
    }

    /** STARTTLS is listed when TLS is configured and the session is not encrypted yet. */
    public EhloKeywords starttls(boolean offer) {
        this.starttls = offer;
        return this;
    }

    /** AUTH mechanisms to list (none: no AUTH line); {@code broken} adds Postfix's "AUTH=" line. */
    public EhloKeywords auth(List<String> mechanisms, boolean broken) {
        this.authMechanisms = List.copyOf(mechanisms);
        this.brokenAuthClients = broken;
        return this;
    }

    /** XCLIENT with its attribute names, for clients in smtpd_authorized_xclient_hosts; null for none. */
    public EhloKeywords xclient(String attributes) {
        this.xclientAttributes = attributes;
        return this;
    }

    /** smtputf8_enable. */
    public EhloKeywords smtputf8(boolean enabled) {
        this.smtputf8 = enabled;
        return this;
    }

    public EhloKeywords discard(Discard d) {
        this.discard = d;
        return this;
    }

    /** The reply and what was discarded. */
    public record Result(SmtpReply reply, List<String> discarded, boolean silent) {
    }

    /** Builds the 250 multi-line reply. */
    public Result build() {
        List<String> lines = new ArrayList<>(14);
        List<String> dropped = new ArrayList<>(2);
        lines.add(hostname);
        add(lines, dropped, "PIPELINING", "PIPELINING", true);
        add(lines, dropped, "SIZE", sizeLimit > 0 ? "SIZE " + sizeLimit : "SIZE", true);
        add(lines, dropped, "VRFY", "VRFY", vrfy);
        add(lines, dropped, "ETRN", "ETRN", etrn);
        add(lines, dropped, "STARTTLS", "STARTTLS", starttls);
        if (!authMechanisms.isEmpty()) {
            String m = String.join(" ", authMechanisms);
            add(lines, dropped, "AUTH", "AUTH " + m, true);
            if (brokenAuthClients && !discard.discards("AUTH")) {
                lines.add("AUTH=" + m);
            }
        }
        add(lines, dropped, "XCLIENT", "XCLIENT " + xclientAttributes, xclientAttributes != null);
        add(lines, dropped, "ENHANCEDSTATUSCODES", "ENHANCEDSTATUSCODES", true);
        add(lines, dropped, "8BITMIME", "8BITMIME", true);
        add(lines, dropped, "DSN", "DSN", true);
        add(lines, dropped, "SMTPUTF8", "SMTPUTF8", smtputf8);
        add(lines, dropped, "CHUNKING", "CHUNKING", true);
        return new Result(SmtpReply.multiline(250, null, lines), List.copyOf(dropped), discard.silent());
    }

    private void add(List<String> lines, List<String> dropped, String key, String line, boolean offered) {
        if (!offered) {
            return;
        }
        if (discard.discards(key)) {
            dropped.add(key);
        } else {
            lines.add(line);
        }
    }

    /** A parsed smtpd_discard_ehlo_keywords value. */
    public static final class Discard {
        /** Nothing discarded (Postfix default: empty). */
        public static final Discard NONE = new Discard(Set.of(), false);

        private final Set<String> keywords;
        private final boolean silent;

        private Discard(Set<String> keywords, boolean silent) {
            this.keywords = keywords;
            this.silent = silent;
        }

        /** Parses a list separated by commas and/or white space; names are case-insensitive. */
        public static Discard parse(String value) {
            Set<String> set = new HashSet<>();
            boolean silent = false;
            for (String w : value.split("[,\\s]+")) {
                if (w.isEmpty()) {
                    continue;
                }
                String u = w.toUpperCase(Locale.ROOT);
                if (u.equals("SILENT-DISCARD")) {
                    silent = true;
                } else {
                    set.add(u);
                }
            }
            return new Discard(Set.copyOf(set), silent);
        }

        /** True when the keyword (any case) is discarded. */
        public boolean discards(String keyword) {
            return keywords.contains(keyword.toUpperCase(Locale.ROOT));
        }

        /** {@code silent-discard} was listed: do not log discarded keywords. */
        public boolean silent() {
            return silent;
        }
    }
}
