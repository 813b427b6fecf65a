package org.postern.smtp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.postern.mail.AddressException;
import org.postern.mail.MailAddress;

/**
 * One SMTP command line split into verb and argument (RFC 5321 section 4.1.1: verb, then SP,
 * then the argument), with typed parsers for the arguments of each command. Every parser throws
 * {@link SmtpSyntaxException} carrying Postfix's exact reply; nothing else is thrown for any
 * input bytes.
 *
 * <p>As Postfix's tokenizer: white space (SP, HT) before the verb is skipped, the verb is matched
 * case-insensitively, arguments are split on runs of SP/HT, and a space after {@code FROM:} or
 * {@code TO:} is allowed ({@code MAIL FROM: <a@b>}). An empty line gives {@link Verb#NONE}
 * (Postfix: {@code 500 5.5.2 Error: bad syntax}).
 */
public final class SmtpCommand {

    /** Command verbs the server knows (RFC 5321 section 4.1.1 and extensions). */
    public enum Verb {
        HELO, EHLO, MAIL, RCPT, DATA, BDAT, RSET, NOOP, QUIT, VRFY, EXPN, HELP, STARTTLS, AUTH, ETRN, XCLIENT,
        /** Any other verb. */
        UNKNOWN,
        /** An empty or all-blank line. */
        NONE
    }

    private final Verb verb;
    private final byte[] line;
    private final int verbStart;
    private final int verbEnd;
    private final int argStart;
    private final int argEnd;

    private SmtpCommand(Verb verb, byte[] line, int verbStart, int verbEnd, int argStart, int argEnd) {
        this.verb = verb;
        this.line = line;
        this.verbStart = verbStart;
        this.verbEnd = verbEnd;
        this.argStart = argStart;
        this.argEnd = argEnd;
    }

    /** Parses a line as read by {@link CommandReader} (the bytes are copied). */
    public static SmtpCommand parse(CommandReader.Line l) {
        return parse(l.bytes(), 0, l.length());
    }

    /** Parses a line given as text, UTF-8 encoded (for tests and tools). */
    public static SmtpCommand parse(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return parse(b, 0, b.length);
    }

    /** Parses {@code b[off, off+len)} (copied), without the line ending. */
    public static SmtpCommand parse(byte[] b, int off, int len) {
        byte[] line = Arrays.copyOfRange(b, off, off + len);
        int n = line.length;
        int vs = 0;
        while (vs < n && isWsp(line[vs])) {
            vs++;
        }
        int ve = vs;
        while (ve < n && !isWsp(line[ve])) {
            ve++;
        }
        int as = ve;
        while (as < n && isWsp(line[as])) {
            as++;
        }
        int ae = n;
        while (ae > as && isWsp(line[ae - 1])) {
            ae--;
        }
        Verb v = vs == ve ? Verb.NONE : lookup(line, vs, ve);
        return new SmtpCommand(v, line, vs, ve, as, ae);
    }

    private static Verb lookup(byte[] b, int s, int e) {
        int n = e - s;
        if (n == 4) {
            int k = 0;
            for (int i = s; i < e; i++) {
                int c = b[i] & 0xff;
                if (c >= 'a' && c <= 'z') {
                    c -= 32;
                }
                k = k << 8 | c;
            }
            return switch (k) {
                case 0x48454c4f -> Verb.HELO;
                case 0x45484c4f -> Verb.EHLO;
                case 0x4d41494c -> Verb.MAIL;
                case 0x52435054 -> Verb.RCPT;
                case 0x44415441 -> Verb.DATA;
                case 0x42444154 -> Verb.BDAT;
                case 0x52534554 -> Verb.RSET;
                case 0x4e4f4f50 -> Verb.NOOP;
                case 0x51554954 -> Verb.QUIT;
                case 0x56524659 -> Verb.VRFY;
                case 0x4558504e -> Verb.EXPN;
                case 0x48454c50 -> Verb.HELP;
                case 0x41555448 -> Verb.AUTH;
                case 0x4554524e -> Verb.ETRN;
                default -> Verb.UNKNOWN;
            };
        }
        if (n == 8 && equalsIgnoreCase(b, s, "STARTTLS")) {
            return Verb.STARTTLS;
        }
        if (n == 7 && equalsIgnoreCase(b, s, "XCLIENT")) {
            return Verb.XCLIENT;
        }
        return Verb.UNKNOWN;
    }

    /** The verb. */
    public Verb verb() {
        return verb;
    }

    /** The verb as the client sent it (for logs and unknown commands). */
    public String verbText() {
        return new String(line, verbStart, verbEnd - verbStart, StandardCharsets.UTF_8);
    }

    /** True when there is text after the verb. */
    public boolean hasArgument() {
        return argEnd > argStart;
    }

    /** The text after the verb and its white space, trailing white space removed ("" when none). */
    public String argument() {
        return new String(line, argStart, argEnd - argStart, StandardCharsets.UTF_8);
    }

    /** The whole line as sent (UTF-8 decoded, malformed bytes replaced). */
    public String lineText() {
        return new String(line, StandardCharsets.UTF_8);
    }

    /** The arguments split on runs of SP/HT (Postfix's tokens after the verb). */
    public List<String> arguments() {
        List<String> out = new ArrayList<>(4);
        int i = argStart;
        while (i < argEnd) {
            int s = i;
            while (i < argEnd && !isWsp(line[i])) {
                i++;
            }
            out.add(new String(line, s, i - s, StandardCharsets.UTF_8));
            while (i < argEnd && isWsp(line[i])) {
                i++;
            }
        }
        return out;
    }

    /**
     * Postfix's built-in non-SMTP command check for an unknown verb: a verb that looks like a
     * mail header ({@code Subject:}), one of {@code forbidden} (smtpd_forbidden_commands; default
     * CONNECT GET POST), or (the default's {@code /^[^A-Z]/} pattern) a verb that does not start
     * with a letter. The session replies {@link Replies#I_CAN_BREAK_RULES} and disconnects.
     */
    public boolean isNonSmtp(Set<String> forbidden) {
        if (verb != Verb.UNKNOWN) {
            return false;
        }
        int c = line[verbStart] & 0xff;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
            return true;
        }
        if (looksLikeHeader()) {
            return true;
        }
        String v = verbText().toUpperCase(Locale.ROOT);
        for (String f : forbidden) {
            if (f.equalsIgnoreCase(v)) {
                return true;
            }
        }
        return false;
    }

    /** Postfix smtpd_forbidden_commands default (minus its regexp, which {@link #isNonSmtp} builds in). */
    public static final Set<String> DEFAULT_FORBIDDEN = Set.of("CONNECT", "GET", "POST");

    /** RFC 5322 section 2.2 field name followed by a colon: printable ASCII except colon. */
    private boolean looksLikeHeader() {
        if (verbEnd - verbStart < 2 || line[verbEnd - 1] != ':') {
            return false;
        }
        for (int i = verbStart; i < verbEnd - 1; i++) {
            int c = line[i] & 0xff;
            if (c < 33 || c > 126 || c == ':') {
                return false;
            }
        }
        return true;
    }

    // ---- HELO / EHLO --------------------------------------------------------------------------

    /**
     * The HELO/EHLO argument: all arguments joined by single spaces (Postfix collapses them; the
     * HELO restrictions then judge the name).
     */
    public String helloName() throws SmtpSyntaxException {
        if (!hasArgument()) {
            throw new SmtpSyntaxException(verb == Verb.EHLO ? Replies.EHLO_SYNTAX : Replies.HELO_SYNTAX);
        }
        return String.join(" ", arguments());
    }

    // ---- Commands without argument ----------------------------------------------------------

    /** DATA, RSET and STARTTLS take no argument (RFC 5321 section 4.1.1.4, 4.1.1.5; RFC 3207 section 4). */
    public void requireNoArgument() throws SmtpSyntaxException {
        if (!hasArgument()) {
            return;
        }
        switch (verb) {
            case DATA -> throw new SmtpSyntaxException(Replies.DATA_SYNTAX);
            case RSET -> throw new SmtpSyntaxException(Replies.RSET_SYNTAX);
            case STARTTLS -> throw new SmtpSyntaxException(Replies.STARTTLS_SYNTAX);
            default -> {
                // NOOP (RFC 5321 section 4.1.1.9) and QUIT: arguments are ignored.
            }
        }
    }

    /**
     * The ETRN argument (RFC 1985 section 4), or {@link Replies#ETRN_SYNTAX}. Postfix then drops
     * one leading non-alphanumeric character ("@" or "#") and checks the host name.
     */
    public String etrnArgument() throws SmtpSyntaxException {
        List<String> a = arguments();
        if (a.size() != 1) {
            throw new SmtpSyntaxException(Replies.ETRN_SYNTAX);
        }
        return a.get(0);
    }

    /** The VRFY argument (RFC 5321 section 4.1.1.6), arguments joined by single spaces. */
    public String vrfyArgument() throws SmtpSyntaxException {
        if (!hasArgument()) {
            throw new SmtpSyntaxException(Replies.VRFY_SYNTAX);
        }
        return String.join(" ", arguments());
    }

    // ---- MAIL / RCPT ------------------------------------------------------------------------------

    /** Parses {@code MAIL FROM:<path> [params]} (RFC 5321 section 4.1.1.2, 3.3). */
    public MailFrom mailFrom(EnvelopeOptions opts) throws SmtpSyntaxException {
        int p = pathStart("FROM:", Replies.MAIL_SYNTAX);
        int pe = pathEnd(p, Replies.BAD_SENDER_SYNTAX);
        long size = -1;
        MailFrom.Body body = null;
        boolean utf8 = false;
        MailFrom.Ret ret = null;
        String envid = null;
        String auth = null;
        for (String param : params(pe)) {
            String u = param.toUpperCase(Locale.ROOT);
            if (u.startsWith("BODY=")) {
                // RFC 6152 section 2. Postfix 3.7 has no BINARYMIME (RFC 3030 section 3), even
                // with CHUNKING: "555 5.5.4 Unsupported option: BODY=BINARYMIME" (lab).
                body = switch (u.substring(5)) {
                    case "7BIT" -> MailFrom.Body.SEVEN_BIT;
                    case "8BITMIME" -> MailFrom.Body.EIGHT_BIT_MIME;
                    default -> throw new SmtpSyntaxException(Replies.unsupportedOption(param));
                };
            } else if (u.startsWith("SIZE=")) {
                size = parseSize(param);
            } else if (u.equals("SMTPUTF8") && opts.smtputf8Enabled()) {
                utf8 = true; // RFC 6531 section 3.4
            } else if (u.startsWith("RET=")) {
                // RFC 3461 section 4.3: FULL or HDRS, once.
                if (!opts.dsnEnabled()) {
                    throw new SmtpSyntaxException(Replies.DSN_DISABLED);
                }
                if (ret != null) {
                    throw new SmtpSyntaxException(Replies.BAD_RET);
                }
                ret = switch (u.substring(4)) {
                    case "FULL" -> MailFrom.Ret.FULL;
                    case "HDRS" -> MailFrom.Ret.HDRS;
                    default -> throw new SmtpSyntaxException(Replies.BAD_RET);
                };
            } else if (u.startsWith("ENVID=")) {
                // RFC 3461 section 4.4: xtext, printable once decoded, once.
                if (!opts.dsnEnabled()) {
                    throw new SmtpSyntaxException(Replies.DSN_DISABLED);
                }
                String d = Xtext.decode(param.substring(6));
                if (envid != null || d == null || !isPrintableAscii(d)) {
                    throw new SmtpSyntaxException(Replies.BAD_ENVID);
                }
                envid = d;
            } else if (u.startsWith("AUTH=")) {
                // RFC 4954 section 5. Postfix (lab): without SASL it is accepted and ignored, even
                // twice; with SASL, "<>" is accepted and not kept, and any AUTH= after one with a
                // value is "503 5.5.4 Error: multiple AUTH= options". The value is not checked.
                if (opts.saslActive()) {
                    if (auth != null) {
                        throw new SmtpSyntaxException(Replies.MULTIPLE_AUTH_OPTIONS);
                    }
                    String v = param.substring(5);
                    if (!v.equals("<>")) {
                        auth = v;
                    }
                }
            } else {
                throw new SmtpSyntaxException(Replies.unsupportedOption(param));
            }
        }
        MailAddress sender = address(p, pe, opts, Replies.BAD_SENDER_SYNTAX);
        return new MailFrom(sender, size, body, utf8, ret, envid, auth);
    }

    /** Parses {@code RCPT TO:<path> [params]} (RFC 5321 section 4.1.1.3). */
    public RcptTo rcptTo(EnvelopeOptions opts) throws SmtpSyntaxException {
        int p = pathStart("TO:", Replies.RCPT_SYNTAX);
        int pe = pathEnd(p, Replies.BAD_RECIPIENT_SYNTAX);
        Set<RcptTo.Notify> notify = null;
        String orcptType = null;
        String orcptAddress = null;
        for (String param : params(pe)) {
            String u = param.toUpperCase(Locale.ROOT);
            if (u.startsWith("NOTIFY=")) {
                if (!opts.dsnEnabled()) {
                    throw new SmtpSyntaxException(Replies.DSN_DISABLED);
                }
                if (notify != null) {
                    throw new SmtpSyntaxException(Replies.BAD_NOTIFY);
                }
                notify = parseNotify(u.substring(7));
            } else if (u.startsWith("ORCPT=")) {
                // RFC 3461 section 4.2: addr-type ";" xtext
                if (!opts.dsnEnabled()) {
                    throw new SmtpSyntaxException(Replies.DSN_DISABLED);
                }
                int semi = param.indexOf(';', 6);
                String decoded = semi < 0 ? null : Xtext.decode(param.substring(semi + 1));
                if (orcptType != null || semi <= 6 || decoded == null) {
                    throw new SmtpSyntaxException(Replies.BAD_ORCPT);
                }
                orcptType = param.substring(6, semi);
                orcptAddress = decoded;
            } else {
                throw new SmtpSyntaxException(Replies.unsupportedOption(param));
            }
        }
        MailAddress rcpt = address(p, pe, opts, Replies.BAD_RECIPIENT_SYNTAX);
        if (rcpt.isNull()) {
            throw new SmtpSyntaxException(Replies.BAD_RECIPIENT_SYNTAX);
        }
        return new RcptTo(rcpt, notify, orcptType, orcptAddress);
    }

    /** Start of the path after "FROM:"/"TO:" and optional white space. */
    private int pathStart(String keyword, SmtpReply syntax) throws SmtpSyntaxException {
        int k = keyword.length();
        if (argEnd - argStart < k || !equalsIgnoreCase(line, argStart, keyword)) {
            throw new SmtpSyntaxException(syntax);
        }
        int p = argStart + k;
        while (p < argEnd && isWsp(line[p])) {
            p++;
        }
        if (p == argEnd) {
            throw new SmtpSyntaxException(syntax);
        }
        return p;
    }

    /** End of the path token: after the matching ">" (quotes respected) or at white space. */
    private int pathEnd(int p, SmtpReply bad) throws SmtpSyntaxException {
        if (line[p] != '<') {
            int e = p;
            while (e < argEnd && !isWsp(line[e])) {
                e++;
            }
            return e;
        }
        boolean quoted = false;
        for (int i = p + 1; i < argEnd; i++) {
            byte c = line[i];
            if (quoted) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    quoted = false;
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == '>') {
                if (i + 1 < argEnd && !isWsp(line[i + 1])) {
                    throw new SmtpSyntaxException(bad); // text glued to the path
                }
                return i + 1;
            }
        }
        throw new SmtpSyntaxException(bad);
    }

    private List<String> params(int from) {
        if (from >= argEnd) {
            return Collections.emptyList();
        }
        List<String> out = new ArrayList<>(4);
        int i = from;
        while (i < argEnd) {
            while (i < argEnd && isWsp(line[i])) {
                i++;
            }
            int s = i;
            while (i < argEnd && !isWsp(line[i])) {
                i++;
            }
            if (i > s) {
                out.add(new String(line, s, i - s, StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    /**
     * Postfix 3.7 accepts UTF-8 addresses with or without SMTPUTF8 and even with
     * smtputf8_enable = no (lab); {@link MailAddress#isUtf8()} tells the caller. Octets that are
     * not well-formed UTF-8 are refused as bad syntax (Postfix refuses the whole line earlier,
     * with {@link Replies#BAD_UTF8_SYNTAX}, when smtputf8_enable = yes).
     */
    private MailAddress address(int p, int pe, EnvelopeOptions opts, SmtpReply bad) throws SmtpSyntaxException {
        try {
            return MailAddress.parse(line, p, pe - p, new MailAddress.Syntax(opts.strictRfc821(), true));
        } catch (AddressException e) {
            throw new SmtpSyntaxException(bad);
        }
    }

    /** RFC 1870 section 6: size-value = 1*20DIGIT. Postfix checks all digits, then overflow. */
    private static long parseSize(String param) throws SmtpSyntaxException {
        int n = param.length();
        if (n == 5) {
            throw new SmtpSyntaxException(Replies.BAD_SIZE_SYNTAX);
        }
        long v = 0;
        boolean overflow = false;
        for (int i = 5; i < n; i++) {
            char c = param.charAt(i);
            if (c < '0' || c > '9') {
                throw new SmtpSyntaxException(Replies.BAD_SIZE_SYNTAX);
            }
            if (v > (Long.MAX_VALUE - (c - '0')) / 10) {
                overflow = true;
            } else {
                v = v * 10 + (c - '0');
            }
        }
        if (overflow) {
            throw new SmtpSyntaxException(Replies.SIZE_EXCEEDS_FS_LIMIT);
        }
        return v;
    }

    /** RFC 3461 section 4.1: "NEVER" alone, or a comma list of SUCCESS, FAILURE, DELAY. */
    private static Set<RcptTo.Notify> parseNotify(String v) throws SmtpSyntaxException {
        EnumSet<RcptTo.Notify> set = EnumSet.noneOf(RcptTo.Notify.class);
        int i = 0;
        while (true) {
            int comma = v.indexOf(',', i);
            String item = comma < 0 ? v.substring(i) : v.substring(i, comma);
            switch (item) {
                case "NEVER" -> set.add(RcptTo.Notify.NEVER);
                case "SUCCESS" -> set.add(RcptTo.Notify.SUCCESS);
                case "FAILURE" -> set.add(RcptTo.Notify.FAILURE);
                case "DELAY" -> set.add(RcptTo.Notify.DELAY);
                default -> throw new SmtpSyntaxException(Replies.BAD_NOTIFY);
            }
            if (comma < 0) {
                break;
            }
            i = comma + 1;
        }
        if (set.contains(RcptTo.Notify.NEVER) && set.size() > 1) {
            throw new SmtpSyntaxException(Replies.BAD_NOTIFY);
        }
        return Collections.unmodifiableSet(set);
    }

    // ---- BDAT, AUTH, XCLIENT, ETRN -------------------------------------------------------------------

    /**
     * Parses {@code BDAT chunk-size [LAST]} (RFC 3030 section 2: chunk-size = 1*DIGIT). Any
     * error is {@link Replies#BDAT_SYNTAX}, a 521: the chunk cannot be skipped, so the session
     * ends (lab). "BDAT 0" without LAST parses; the session answers {@link Replies#NULL_BDAT}.
     */
    public BdatCommand bdat() throws SmtpSyntaxException {
        List<String> a = arguments();
        if (a.isEmpty() || a.size() > 2 || a.get(0).length() > 18
                || (a.size() == 2 && !a.get(1).equalsIgnoreCase("LAST"))) {
            throw new SmtpSyntaxException(Replies.BDAT_SYNTAX);
        }
        String n = a.get(0);
        long v = 0;
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            if (c < '0' || c > '9') {
                throw new SmtpSyntaxException(Replies.BDAT_SYNTAX);
            }
            v = v * 10 + (c - '0');
        }
        return new BdatCommand(v, a.size() == 2);
    }

    /** Parses {@code AUTH mechanism [initial-response]} (RFC 4954 section 4; "=" is an empty response). */
    public AuthCommand auth() throws SmtpSyntaxException {
        List<String> a = arguments();
        if (a.isEmpty() || a.size() > 2) {
            throw new SmtpSyntaxException(Replies.AUTH_SYNTAX);
        }
        String ir = a.size() == 2 ? (a.get(1).equals("=") ? "" : a.get(1)) : null;
        return new AuthCommand(a.get(0).toUpperCase(Locale.ROOT), ir);
    }

    /**
     * Parses {@code XCLIENT name=value ...}; values are xtext (XCLIENT_README). A value that is
     * not valid xtext is kept as sent, as Postfix accepts it (lab: {@code HELO=a+g}). A
     * successful XCLIENT is answered with the 220 greeting, not 250 (lab).
     */
    public List<XclientAttribute> xclient() throws SmtpSyntaxException {
        List<String> a = arguments();
        if (a.isEmpty()) {
            throw new SmtpSyntaxException(Replies.XCLIENT_SYNTAX);
        }
        List<XclientAttribute> out = new ArrayList<>(a.size());
        for (String s : a) {
            int eq = s.indexOf('=');
            if (eq < 0 || eq == s.length() - 1) {
                throw new SmtpSyntaxException(Replies.ATTRIBUTE_VALUE_EXPECTED);
            }
            String name = s.substring(0, eq).toUpperCase(Locale.ROOT);
            String raw = s.substring(eq + 1);
            String value = Xtext.decode(raw);
            out.add(new XclientAttribute(name, value != null ? value : raw));
        }
        return out;
    }

    // ---- helpers ---------------------------------------------------------------------------------

    private static boolean isWsp(byte c) {
        return c == ' ' || c == '\t';
    }

    private static boolean equalsIgnoreCase(byte[] b, int at, String ascii) {
        if (at + ascii.length() > b.length) {
            return false;
        }
        for (int i = 0; i < ascii.length(); i++) {
            int c = b[at + i] & 0xff;
            if (c >= 'a' && c <= 'z') {
                c -= 32;
            }
            if (c != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isPrintableAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return lineText();
    }
}
