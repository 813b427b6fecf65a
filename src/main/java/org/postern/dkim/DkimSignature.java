package org.postern.dkim;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * A parsed DKIM-Signature header field (RFC 6376 section 3.5). {@link #parse} applies the
 * rules that make a signature unusable before any DNS or crypto work: a PERMFAIL in the
 * language of section 6.1.1.
 *
 * @param identity the i= value, decoded from dkim-quoted-printable; {@code "@" + domain} when absent
 * @param bodyLength the l= value, or -1 when absent
 * @param timestamp the t= value in seconds, or -1
 * @param expiration the x= value in seconds, or -1
 */
public record DkimSignature(
        HeaderField field,
        TagList tags,
        DkimAlgorithm algorithm,
        byte[] signature,
        byte[] bodyHash,
        Canonicalization headerCanonicalization,
        Canonicalization bodyCanonicalization,
        String domain,
        String selector,
        List<String> signedHeaders,
        String identity,
        long bodyLength,
        long timestamp,
        long expiration) {

    /** Parses and checks one DKIM-Signature field. */
    public static DkimSignature parse(HeaderField field) throws DkimSyntaxException {
        TagList tags = TagList.parse(field.value());
        // Section 3.5 / 6.1.1: v=, a=, b=, bh=, d=, h=, s= are required.
        for (String required : List.of("v", "a", "b", "bh", "d", "h", "s")) {
            if (!tags.has(required)) {
                throw new DkimSyntaxException("signature is missing the required tag " + required + "=");
            }
        }
        // Section 3.5 v=: "MUST have the value '1'"; section 6.1.1: other versions are PERMFAIL.
        if (!tags.get("v").equals("1")) {
            throw new DkimSyntaxException("unsupported signature version v=" + tags.get("v"));
        }
        String a = tags.get("a");
        DkimAlgorithm algorithm = DkimAlgorithm.fromTag(a);
        if (algorithm == null) {
            throw new DkimSyntaxException("unsupported signing algorithm a=" + a);
        }
        byte[] b = base64(tags.get("b"), "b");
        byte[] bh = base64(tags.get("bh"), "bh");
        if (b.length == 0) {
            throw new DkimSyntaxException("empty signature b=");
        }
        if (bh.length != algorithm.hashLength()) {
            throw new DkimSyntaxException("body hash bh= has " + bh.length + " bytes, not the "
                    + algorithm.hashLength() + " of " + algorithm.hashName());
        }
        Canonicalization hc = Canonicalization.SIMPLE;
        Canonicalization bc = Canonicalization.SIMPLE;
        if (tags.has("c")) {
            // Section 3.5 c=: header[/body]; body defaults to simple.
            String c = tags.get("c");
            int slash = c.indexOf('/');
            hc = Canonicalization.parse(slash < 0 ? c : c.substring(0, slash));
            if (slash >= 0) {
                bc = Canonicalization.parse(c.substring(slash + 1));
            }
        }
        String domain = tags.get("d").toLowerCase(Locale.ROOT);
        if (domain.endsWith(".")) {
            domain = domain.substring(0, domain.length() - 1);
        }
        if (!isDomain(domain)) {
            throw new DkimSyntaxException("invalid signing domain d=" + tags.get("d"));
        }
        String selector = tags.get("s").toLowerCase(Locale.ROOT);
        if (!isDomain(selector)) {
            throw new DkimSyntaxException("invalid selector s=" + tags.get("s"));
        }
        List<String> headers = new ArrayList<>();
        for (String h : tags.get("h").split(":", -1)) {
            String name = TagList.trim(h);
            if (name.isEmpty()) {
                throw new DkimSyntaxException("empty header field name in h=");
            }
            headers.add(name.toLowerCase(Locale.ROOT));
        }
        // Section 5.4 / 6.1.1: the From header field MUST be signed.
        if (!headers.contains("from")) {
            throw new DkimSyntaxException("h= does not include From");
        }
        // Section 3.5 q=: dns/txt is the only method defined; a list without it is unusable.
        if (tags.has("q")) {
            boolean dnsTxt = false;
            for (String q : tags.get("q").split(":")) {
                if (TagList.trim(q).equalsIgnoreCase("dns/txt")) {
                    dnsTxt = true;
                }
            }
            if (!dnsTxt) {
                throw new DkimSyntaxException("unsupported query method q=" + tags.get("q"));
            }
        }
        String identity = "@" + domain;
        if (tags.has("i")) {
            identity = decodeQuotedPrintable(TagList.stripWhitespace(tags.get("i")));
            int at = identity.lastIndexOf('@');
            if (at < 0) {
                throw new DkimSyntaxException("i= has no '@': " + tags.get("i"));
            }
            // Section 3.5 i=: the domain part MUST be the same as, or a subdomain of, d=.
            String idDomain = identity.substring(at + 1).toLowerCase(Locale.ROOT);
            if (idDomain.endsWith(".")) {
                idDomain = idDomain.substring(0, idDomain.length() - 1);
            }
            if (!idDomain.equals(domain) && !idDomain.endsWith("." + domain)) {
                throw new DkimSyntaxException("i= domain " + idDomain + " is not d=" + domain + " or a subdomain of it");
            }
        }
        long l = number(tags, "l");
        long t = number(tags, "t");
        long x = number(tags, "x");
        // Section 3.5 x=: "the value of the 'x=' tag MUST be greater than the value of the 't=' tag".
        if (t >= 0 && x >= 0 && x < t) {
            throw new DkimSyntaxException("x= (" + x + ") is before t= (" + t + ")");
        }
        return new DkimSignature(field, tags, algorithm, b, bh, hc, bc, domain, selector,
                List.copyOf(headers), identity, l, t, x);
    }

    /** The domain part of i= (lower case). */
    public String identityDomain() {
        String d = identity.substring(identity.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
        return d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
    }

    /** The DNS name of the key record (section 3.6.2.1). */
    public String keyName() {
        return selector + "._domainkey." + domain;
    }

    private static long number(TagList tags, String name) throws DkimSyntaxException {
        if (!tags.has(name)) {
            return -1;
        }
        String v = tags.get(name);
        if (v.isEmpty() || !v.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new DkimSyntaxException("invalid " + name + "= value '" + v + "': digits expected");
        }
        BigInteger n = new BigInteger(v);
        return n.bitLength() > 62 ? Long.MAX_VALUE / 2 : n.longValue();
    }

    static byte[] base64(String value, String tag) throws DkimSyntaxException {
        try {
            return Base64.getDecoder().decode(TagList.stripWhitespace(value));
        } catch (IllegalArgumentException e) {
            throw new DkimSyntaxException("invalid base64 in " + tag + "=");
        }
    }

    static boolean isDomain(String s) {
        if (s.isEmpty() || s.length() > 253) {
            return false;
        }
        for (String label : s.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63) {
                return false;
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                // LDH plus '_' (used in selectors and some domains in practice); 8-bit for IDNs.
                if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c >= 0x80)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** dkim-quoted-printable (section 2.11): =XX hex escapes. */
    static String decodeQuotedPrintable(String s) throws DkimSyntaxException {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '=') {
                // hex-octet = "=" 2HEXDIG (section 2.11, from RFC 2045 section 6.7); Integer.parseInt
                // alone would also take "=+1" and "=-1".
                int hi = i + 2 < s.length() ? hexDigit(s.charAt(i + 1)) : -1;
                int lo = i + 2 < s.length() ? hexDigit(s.charAt(i + 2)) : -1;
                if (hi < 0 || lo < 0) {
                    throw new DkimSyntaxException("bad quoted-printable escape in i=");
                }
                sb.append((char) (hi << 4 | lo));
                i += 2;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    }
}
