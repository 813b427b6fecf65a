package org.postern.mail;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;

/**
 * An envelope address: the reverse-path of MAIL FROM or the forward-path of RCPT TO
 * (RFC 5321 section 4.1.2), or the null path {@code <>} (RFC 5321 section 4.5.5).
 *
 * <h2>Accepted syntax</h2>
 * As Postfix 3.7 (checked in the lab), both modes accept:
 * <ul>
 * <li>{@code <Local-part@Domain>} with a dot-string or quoted-string local part (RFC 5321
 *     section 4.1.2) and a host name or address literal domain (section 4.1.3); one trailing
 *     dot on the domain is allowed;</li>
 * <li>spaces or tabs around the path and just inside the brackets: {@code < user@example.com >};</li>
 * <li>dots anywhere in a dot-string local part: {@code a..b@x}, {@code .a@x}, {@code a.@x}
 *     (RFC 5321 forbids them; some real mail systems send them);</li>
 * <li>the null path {@code <>};</li>
 * <li>a source route {@code <@a,@b:user@c>}, which is checked and then dropped (RFC 5321
 *     section 4.1.1.3 and Appendix C: servers MUST accept and SHOULD ignore it);</li>
 * <li>a mailbox without a domain, {@code <user>}: Postfix accepts it (and appends
 *     {@code $myorigin} later); here {@link #hasDomain()} is false and {@link #domain()} empty;</li>
 * <li>UTF-8 in the local part and domain (RFC 6531 section 3.3), only when
 *     {@link Syntax#allowUtf8()} is set; otherwise non-ASCII octets give
 *     {@link AddressException.Reason#NON_ASCII}.</li>
 * </ul>
 * The lenient mode ({@link Syntax#POSTFIX_DEFAULT}, Postfix's default
 * {@code strict_rfc821_envelopes = no}) also accepts a path without angle brackets:
 * {@code user@example.com}. The strict mode refuses it, and that is its only difference.
 * Neither mode is stricter than Postfix.
 * Neither mode accepts text after the closing bracket or an all-numeric domain (use an address
 * literal).
 *
 * <p>Known differences from Postfix 3.7.11, which parses envelopes with its RFC 822 tokenizer
 * (lab, MAIL FROM): Postfix also accepts {@code <a(comment)@x>}, {@code <a\x01b@x>} (a
 * backslash outside quotes), {@code <a@b@c>}, {@code <a@@b>}, {@code <@a>} and doubled brackets
 * {@code <<a@b>>} or {@code <a@b>>}; all are refused here as {@link AddressException.Reason#SYNTAX}
 * or {@link AddressException.Reason#BAD_DOMAIN} (Postfix: 250, here: 501 5.1.7).
 *
 * <h2>Lengths</h2>
 * The limits of RFC 5321 section 4.5.3.1 (local part 64 octets, domain 255, path 256 including
 * the brackets) do not make parsing fail: {@link #lengthProblem()} reports the first one
 * exceeded and the caller decides the reply (Postfix itself does not enforce them).
 */
public final class MailAddress {
    /** RFC 5321 section 4.5.3.1.1. */
    public static final int MAX_LOCAL_PART = 64;
    /** RFC 5321 section 4.5.3.1.2. */
    public static final int MAX_DOMAIN = 255;
    /** RFC 5321 section 4.5.3.1.3. */
    public static final int MAX_PATH = 256;

    /** The null reverse-path {@code <>}. */
    public static final MailAddress NULL = new MailAddress("", "", true, false, false, true, false, null);

    /** Which RFC 5321 section 4.5.3.1 limit an address exceeds. */
    public enum LengthProblem { LOCAL_PART_TOO_LONG, DOMAIN_TOO_LONG, PATH_TOO_LONG }

    /**
     * Parser settings.
     *
     * @param strictRfc821 Postfix {@code strict_rfc821_envelopes}: angle brackets required
     * @param allowUtf8    non-ASCII allowed, as well-formed UTF-8 (RFC 6531 section 3.3)
     */
    public record Syntax(boolean strictRfc821, boolean allowUtf8) {
        /** Postfix's default: lenient, ASCII only. */
        public static final Syntax POSTFIX_DEFAULT = new Syntax(false, false);
        /** {@code strict_rfc821_envelopes = yes}, ASCII only. */
        public static final Syntax STRICT = new Syntax(true, false);

        public Syntax withUtf8(boolean allow) {
            return allow == allowUtf8 ? this : new Syntax(strictRfc821, allow);
        }
    }

    // RFC 5322 section 3.2.3 atext (ASCII part).
    private static final boolean[] ATEXT = new boolean[128];

    static {
        for (int c = 'a'; c <= 'z'; c++) {
            ATEXT[c] = true;
            ATEXT[c - 32] = true;
        }
        for (int c = '0'; c <= '9'; c++) {
            ATEXT[c] = true;
        }
        for (char c : "!#$%&'*+-/=?^_`{|}~".toCharArray()) {
            ATEXT[c] = true;
        }
    }

    private final String localPart;
    private final String domain;
    private final String domainLower;
    private final boolean nullPath;
    private final boolean utf8;
    private final boolean bracketed;
    private final boolean sourceRoute;
    private final boolean literal;
    private final LengthProblem lengthProblem;

    private MailAddress(String localPart, String domain, boolean nullPath, boolean utf8, boolean sourceRoute,
            boolean bracketed, boolean literal, LengthProblem lengthProblem) {
        this.localPart = localPart;
        this.domain = domain;
        this.domainLower = lowerAscii(domain);
        this.nullPath = nullPath;
        this.utf8 = utf8;
        this.sourceRoute = sourceRoute;
        this.bracketed = bracketed;
        this.literal = literal;
        this.lengthProblem = lengthProblem;
    }

    /**
     * An address from its parts, for addresses made by the server itself (no syntax check
     * beyond non-null; {@code domain} may be empty).
     */
    public static MailAddress of(String localPart, String domain) {
        Objects.requireNonNull(localPart, "localPart");
        Objects.requireNonNull(domain, "domain");
        boolean u = !isAscii(localPart) || !isAscii(domain);
        return new MailAddress(localPart, domain, false, u, false, true, domain.startsWith("["), null);
    }

    /** Parses a path given as text (encoded as UTF-8 first). */
    public static MailAddress parse(String path, Syntax syntax) throws AddressException {
        byte[] b = path.getBytes(StandardCharsets.UTF_8);
        return parse(b, 0, b.length, syntax);
    }

    /** Parses the path in {@code b[off, off+len)}, for example the argument of MAIL FROM:. */
    public static MailAddress parse(byte[] b, int off, int len, Syntax syntax) throws AddressException {
        int p = off;
        int end = off + len;
        boolean strict = syntax.strictRfc821();
        while (p < end && isWsp(b[p])) {
            p++;
        }
        while (end > p && isWsp(b[end - 1])) {
            end--;
        }
        boolean bracketed = p < end && b[p] == '<';
        if (bracketed) {
            if (end - p < 2 || b[end - 1] != '>') {
                throw new AddressException(AddressException.Reason.SYNTAX, "unbalanced angle brackets");
            }
            p++;
            end--;
            while (p < end && isWsp(b[p])) {
                p++;
            }
            while (end > p && isWsp(b[end - 1])) {
                end--;
            }
        } else if (strict) {
            throw new AddressException(AddressException.Reason.MISSING_BRACKETS, "angle brackets required");
        }
        if (p == end) {
            if (bracketed) {
                return NULL; // RFC 5321 section 4.1.1.2: reverse-path may be "<>"
            }
            throw new AddressException(AddressException.Reason.SYNTAX, "empty address");
        }
        int pathLength = end - p + 2; // RFC 5321 section 4.5.3.1.3 counts the brackets

        boolean nonAscii = Utf8.hasNonAscii(b, p, end - p);
        if (nonAscii) {
            if (!syntax.allowUtf8()) {
                throw new AddressException(AddressException.Reason.NON_ASCII, "non-ASCII address without SMTPUTF8");
            }
            if (!Utf8.isValid(b, p, end - p)) {
                throw new AddressException(AddressException.Reason.BAD_UTF8, "malformed UTF-8");
            }
        }

        // RFC 5321 section 4.1.2: Path = "<" [ A-d-l ":" ] Mailbox ">"; A-d-l = At-domain *( "," At-domain ).
        boolean route = false;
        if (b[p] == '@') {
            route = true;
            p = skipSourceRoute(b, p, end, syntax.allowUtf8());
        }

        // Local-part = Dot-string / Quoted-string
        String local;
        int localStart = p;
        if (p < end && b[p] == '"') {
            byte[] tmp = new byte[end - p];
            int n = 0;
            p++;
            boolean closed = false;
            while (p < end) {
                int c = b[p] & 0xff;
                if (c == '"') {
                    closed = true;
                    p++;
                    break;
                }
                if (c == '\\') {
                    // quoted-pairSMTP = %d92 %d32-126
                    if (p + 1 >= end || (b[p + 1] & 0xff) < 32 || (b[p + 1] & 0xff) > 126) {
                        throw new AddressException(AddressException.Reason.SYNTAX, "bad quoted pair");
                    }
                    tmp[n++] = b[p + 1];
                    p += 2;
                    continue;
                }
                // qtextSMTP = %d32-33 / %d35-91 / %d93-126, plus UTF8-non-ascii (RFC 6531 section 3.3)
                if (c < 32 || c == 127) {
                    throw new AddressException(AddressException.Reason.SYNTAX, "control character in quoted string");
                }
                tmp[n++] = (byte) c;
                p++;
            }
            if (!closed) {
                throw new AddressException(AddressException.Reason.SYNTAX, "unterminated quoted string");
            }
            local = new String(tmp, 0, n, StandardCharsets.UTF_8);
        } else {
            // Dot-string = Atom *("." Atom); as Postfix, dots may also lead, trail or repeat.
            while (p < end && b[p] != '@') {
                int c = b[p] & 0xff;
                if (c != '.' && c < 128 && !ATEXT[c]) {
                    throw new AddressException(AddressException.Reason.SYNTAX, "bad character in local part");
                }
                p++;
            }
            if (p == localStart) {
                throw new AddressException(AddressException.Reason.SYNTAX, "bad local part");
            }
            local = new String(b, localStart, p - localStart, StandardCharsets.UTF_8);
        }
        int localLength = p - localStart;

        String domain = "";
        boolean literal = false;
        if (p < end) {
            if (b[p] != '@' || p + 1 == end) {
                throw new AddressException(AddressException.Reason.SYNTAX, "bad domain separator");
            }
            p++;
            domain = new String(b, p, end - p, StandardCharsets.UTF_8);
            literal = b[p] == '[';
            if (!validDomain(b, p, end, domain, syntax.allowUtf8())) {
                throw new AddressException(AddressException.Reason.BAD_DOMAIN, "bad domain");
            }
        } else if (route) {
            throw new AddressException(AddressException.Reason.SYNTAX, "source route without domain");
        }
        int domainLength = end - p;
        LengthProblem problem = null;
        if (localLength > MAX_LOCAL_PART) {
            problem = LengthProblem.LOCAL_PART_TOO_LONG;
        } else if (domainLength > MAX_DOMAIN) {
            problem = LengthProblem.DOMAIN_TOO_LONG;
        } else if (pathLength > MAX_PATH) {
            problem = LengthProblem.PATH_TOO_LONG;
        }
        return new MailAddress(local, domain, false, nonAscii, route, bracketed, literal, problem);
    }

    private static int skipSourceRoute(byte[] b, int p, int end, boolean allowUtf8) throws AddressException {
        while (true) {
            if (p >= end || b[p] != '@') {
                throw new AddressException(AddressException.Reason.SYNTAX, "bad source route");
            }
            int start = ++p;
            while (p < end && b[p] != ',' && b[p] != ':') {
                p++;
            }
            if (p == end || !validDomain(b, start, p, null, allowUtf8)) {
                throw new AddressException(AddressException.Reason.SYNTAX, "bad source route");
            }
            if (b[p++] == ':') {
                return p;
            }
        }
    }

    private static boolean validDomain(byte[] b, int from, int to, String text, boolean allowUtf8) {
        if (from >= to) {
            return false;
        }
        if (b[from] == '[') {
            if (b[to - 1] != ']' || to - from < 3) {
                return false;
            }
            String s = text != null ? text : new String(b, from, to - from, StandardCharsets.ISO_8859_1);
            return Domains.literalBytes(s, 1, s.length() - 1) != null;
        }
        // The total length is judged by lengthProblem(), not here.
        return Domains.hostnameDots(b, from, to - from, allowUtf8, Integer.MAX_VALUE) >= 0;
    }

    /** The local part, unquoted (a quoted-string's quotes and backslashes removed). Empty for {@code <>}. */
    public String localPart() {
        return localPart;
    }

    /** The domain as the client gave it (address literals keep their brackets); empty when none. */
    public String domain() {
        return domain;
    }

    /** The domain with ASCII letters lower-cased (RFC 5321 section 2.4: domains are case-insensitive). */
    public String domainLowerCase() {
        return domainLower;
    }

    /** True for the null path {@code <>}. */
    public boolean isNull() {
        return nullPath;
    }

    /** False for {@code <user>} (and for {@code <>}): Postfix appends {@code $myorigin} later. */
    public boolean hasDomain() {
        return !domain.isEmpty();
    }

    /** True when the domain is an address literal such as {@code [192.0.2.1]}. */
    public boolean isAddressLiteral() {
        return literal;
    }

    /** True when the address has non-ASCII characters (it needs SMTPUTF8, RFC 6531). */
    public boolean isUtf8() {
        return utf8;
    }

    /** True when the client wrote angle brackets (always true for strict parsing). */
    public boolean hadBrackets() {
        return bracketed;
    }

    /** True when the client sent a source route (dropped here, RFC 5321 Appendix C). */
    public boolean hadSourceRoute() {
        return sourceRoute;
    }

    /** The first RFC 5321 section 4.5.3.1 length limit exceeded, or null. */
    public LengthProblem lengthProblem() {
        return lengthProblem;
    }

    /**
     * The address without its extension, with Postfix's {@code recipient_delimiter} rules: the
     * first character of the local part that is any of {@code delimiters} starts the
     * extension. No split when the delimiter set is empty, when the local part would become
     * empty, for {@code postmaster}, {@code MAILER-DAEMON} and {@code double-bounce}, and (when
     * '-' is a delimiter, as with Postfix's default {@code owner_request_special = yes}) for
     * {@code owner-*} and {@code *-request}.
     */
    public MailAddress withoutExtension(String delimiters) {
        int at = extensionIndex(delimiters);
        if (at < 0) {
            return this;
        }
        return new MailAddress(localPart.substring(0, at), domain, false, utf8, false, bracketed, literal, null);
    }

    /** The extension (without its delimiter) under the rules of {@link #withoutExtension}, or null. */
    public String extension(String delimiters) {
        int at = extensionIndex(delimiters);
        return at < 0 ? null : localPart.substring(at + 1);
    }

    private int extensionIndex(String delimiters) {
        if (nullPath || delimiters == null || delimiters.isEmpty()) {
            return -1;
        }
        String lower = localPart.toLowerCase(Locale.ROOT);
        if (lower.equals("postmaster") || lower.equals("mailer-daemon") || lower.equals("double-bounce")) {
            return -1;
        }
        if (delimiters.indexOf('-') >= 0 && (lower.startsWith("owner-") || (lower.length() > 8 && lower.endsWith("-request")))) {
            return -1;
        }
        for (int i = 0; i < localPart.length(); i++) {
            if (delimiters.indexOf(localPart.charAt(i)) >= 0) {
                return i == 0 ? -1 : i;
            }
        }
        return -1;
    }

    /**
     * The canonical {@code local@domain} form: the local part quoted (RFC 5321 section 4.1.2)
     * only when it is not a plain dot-string; no brackets; empty string for {@code <>}.
     */
    @Override
    public String toString() {
        if (nullPath) {
            return "";
        }
        String l = needsQuoting(localPart) ? quote(localPart) : localPart;
        return domain.isEmpty() ? l : l + "@" + domain;
    }

    /** Equal when local parts are equal (case-sensitive, RFC 5321 section 2.4) and domains equal ignoring ASCII case. */
    @Override
    public boolean equals(Object o) {
        return o instanceof MailAddress m && m.nullPath == nullPath && m.localPart.equals(localPart)
                && m.domainLower.equals(domainLower);
    }

    @Override
    public int hashCode() {
        return localPart.hashCode() * 31 + domainLower.hashCode();
    }

    private static boolean needsQuoting(String local) {
        if (local.isEmpty() || local.charAt(0) == '.' || local.charAt(local.length() - 1) == '.') {
            return true;
        }
        char prev = 0;
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (c < 128 && !ATEXT[c] && c != '.') {
                return true;
            }
            if (c == '.' && prev == '.') {
                return true;
            }
            prev = c;
        }
        return false;
    }

    private static String quote(String local) {
        StringBuilder sb = new StringBuilder(local.length() + 4).append('"');
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        return sb.append('"').toString();
    }

    private static boolean isWsp(byte c) {
        return c == ' ' || c == '\t';
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 128) {
                return false;
            }
        }
        return true;
    }

    private static String lowerAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                char[] a = s.toCharArray();
                for (int k = i; k < a.length; k++) {
                    a[k] = Domains.toLowerAscii(a[k]);
                }
                return new String(a);
            }
        }
        return s;
    }
}
