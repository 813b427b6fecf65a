package org.postern.dmarc;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * One DMARC Policy Record (RFC 9989 section 4.7, grammar in section 4.8), parsed.
 *
 * <p>Defaults are filled in: p=none when p is absent, adkim=r, aspf=r, psd=u, t=n, fo=0.
 * {@link #subdomainPolicy()} and {@link #nonExistentPolicy()} are empty when the tag is absent,
 * so the caller can apply the fall-back chain np -> sp -> p of section 4.10.1.
 *
 * @param raw the record text as published, for traces
 * @param policy p
 * @param sp sp, or null when absent
 * @param np np, or null when absent
 * @param psd psd: 'y', 'n' or 'u'
 * @param testing t=y
 * @param strictDkim adkim=s
 * @param strictSpf aspf=s
 * @param rua aggregate report URIs (the syntactically valid ones)
 * @param ruf failure report URIs (the syntactically valid ones)
 * @param failureOptions fo values, e.g. [0] or [d, s]
 * @param warnings what was wrong in the record and ignored or replaced by a default
 */
public record DmarcRecord(String raw, DmarcPolicy policy, DmarcPolicy sp, DmarcPolicy np, char psd,
        boolean testing, boolean strictDkim, boolean strictSpf, List<String> rua, List<String> ruf,
        List<String> failureOptions, List<String> warnings) {

    public DmarcRecord {
        rua = List.copyOf(rua);
        ruf = List.copyOf(ruf);
        failureOptions = List.copyOf(failureOptions);
        warnings = List.copyOf(warnings);
    }

    /** sp, if the record has a valid one. */
    public Optional<DmarcPolicy> subdomainPolicy() {
        return Optional.ofNullable(sp);
    }

    /** np, if the record has a valid one. */
    public Optional<DmarcPolicy> nonExistentPolicy() {
        return Optional.ofNullable(np);
    }

    /** psd=y: published by a Public Suffix Operator (section 4.7, tag psd). */
    public boolean isPublicSuffix() {
        return psd == 'y';
    }

    /** psd=n: the domain is an Organizational Domain (section 4.7, tag psd). */
    public boolean isOrganizationalDomain() {
        return psd == 'n';
    }

    /**
     * True when the text starts with the tag v=DMARC1: the test of the DNS Tree Walk (section
     * 4.10, steps 2 and 6) that tells DMARC records from other TXT records at the same name.
     */
    public static boolean isDmarc(String txt) {
        String t = trimWsp(txt);
        int semi = t.indexOf(';');
        String first = semi < 0 ? t : t.substring(0, semi);
        int eq = first.indexOf('=');
        // Section 4.8: dmarc-version = "v" equals %s"DMARC1"; the value is case-sensitive.
        return eq > 0 && trimWsp(first.substring(0, eq)).equalsIgnoreCase("v")
                && trimWsp(first.substring(eq + 1)).equals("DMARC1");
    }

    /**
     * Parses a record. Unknown tags are ignored and invalid values of optional tags replaced by
     * their defaults (section 4.7: "Unknown tags MUST be ignored. Syntax errors in the remainder
     * of the record MUST be discarded in favor of default values (if any) or ignored outright");
     * each such repair is listed in {@link #warnings()}.
     *
     * @throws DmarcSyntaxException when the text does not start with v=DMARC1 (section 4.7, tag
     *     v: "the entire record MUST be ignored"), or when p, sp or np is invalid and no valid rua
     *     URI exists (section 4.10.1: then "the Mail Receiver applies no DMARC processing")
     */
    public static DmarcRecord parse(String txt) throws DmarcSyntaxException {
        if (txt == null || !isDmarc(txt)) {
            throw new DmarcSyntaxException("not a DMARC record: it must start with v=DMARC1"
                    + (txt == null ? "" : " (got '" + abbreviate(txt) + "')"));
        }
        List<String> warnings = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        String p = null;
        String sp = null;
        String np = null;
        char psd = 'u';
        boolean testing = false;
        boolean strictDkim = false;
        boolean strictSpf = false;
        List<String> rua = List.of();
        List<String> ruf = List.of();
        List<String> fo = List.of("0");
        boolean ruaGiven = false;
        String[] specs = txt.split(";", -1);
        for (int i = 1; i < specs.length; i++) {
            String spec = trimWsp(specs[i]);
            if (spec.isEmpty()) {
                continue; // a trailing ";" (section 4.8: [dmarc-sep]) or an empty spec: nothing to read
            }
            int eq = spec.indexOf('=');
            if (eq < 0) {
                warnings.add("ignored '" + abbreviate(spec) + "': no '='");
                continue;
            }
            // Tag names are case-sensitive as in DKIM's tag-value syntax (section 4.7 builds on
            // RFC 6376 section 3.2), so "P=reject" is an unknown tag.
            String name = trimWsp(spec.substring(0, eq));
            String value = trimWsp(spec.substring(eq + 1));
            if (!seen.add(name)) {
                warnings.add("ignored a second " + name + "= tag");
                continue;
            }
            switch (name) {
                case "p" -> p = value;
                case "sp" -> sp = value;
                case "np" -> np = value;
                case "psd" -> {
                    String v = value.toLowerCase(Locale.ROOT);
                    if (v.equals("y") || v.equals("n") || v.equals("u")) {
                        psd = v.charAt(0);
                    } else {
                        warnings.add("psd=" + abbreviate(value) + " is not y, n or u; using the default u");
                    }
                }
                case "t" -> {
                    String v = value.toLowerCase(Locale.ROOT);
                    if (v.equals("y") || v.equals("n")) {
                        testing = v.equals("y");
                    } else {
                        warnings.add("t=" + abbreviate(value) + " is not y or n; using the default n");
                    }
                }
                case "adkim" -> strictDkim = alignment("adkim", value, warnings);
                case "aspf" -> strictSpf = alignment("aspf", value, warnings);
                case "rua" -> {
                    ruaGiven = true;
                    rua = uris("rua", value, warnings);
                }
                case "ruf" -> ruf = uris("ruf", value, warnings);
                case "fo" -> fo = failureOptions(value, warnings);
                case "pct", "rf", "ri" -> warnings.add("ignored " + name + "=: removed by RFC 9989 (historic tag)");
                default -> {
                    // Section 4.7: "unknown tags MUST be ignored". Silently: future tags are legal.
                }
            }
        }
        DmarcPolicy policy = p == null ? DmarcPolicy.NONE : DmarcPolicy.parse(p);
        DmarcPolicy subdomain = sp == null ? null : DmarcPolicy.parse(sp);
        DmarcPolicy nonExistent = np == null ? null : DmarcPolicy.parse(np);
        List<String> bad = new ArrayList<>();
        if (policy == null) {
            bad.add("p=" + abbreviate(p));
        }
        if (sp != null && subdomain == null) {
            bad.add("sp=" + abbreviate(sp));
        }
        if (np != null && nonExistent == null) {
            bad.add("np=" + abbreviate(np));
        }
        if (!bad.isEmpty()) {
            // Section 4.10.1: an invalid p, sp or np makes the whole record act as "p=none" when
            // rua has a valid URI; otherwise no DMARC processing at all.
            String what = String.join(", ", bad) + " is not none, quarantine or reject";
            if (rua.isEmpty()) {
                throw new DmarcSyntaxException(what + (ruaGiven ? " and rua= has no valid URI" : " and there is no rua=")
                        + ", so the record is not used (RFC 9989 section 4.10.1)");
            }
            warnings.add(what + "; acting as p=none because rua= has a valid URI (RFC 9989 section 4.10.1)");
            policy = DmarcPolicy.NONE;
            subdomain = null;
            nonExistent = null;
        }
        return new DmarcRecord(txt, policy, subdomain, nonExistent, psd, testing, strictDkim, strictSpf,
                rua, ruf, fo, warnings);
    }

    private static boolean alignment(String tag, String value, List<String> warnings) {
        String v = value.toLowerCase(Locale.ROOT);
        if (v.equals("s")) {
            return true;
        }
        if (!v.equals("r")) {
            warnings.add(tag + "=" + abbreviate(value) + " is not r or s; using the default r (relaxed)");
        }
        return false;
    }

    /** dmarc-urilist (section 4.8): URIs separated by commas; invalid ones are dropped. */
    private static List<String> uris(String tag, String value, List<String> warnings) {
        List<String> valid = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            String u = trimWsp(part);
            try {
                URI uri = new URI(u);
                if (uri.getScheme() == null) {
                    throw new URISyntaxException(u, "no scheme");
                }
                valid.add(u);
            } catch (URISyntaxException e) {
                warnings.add("ignored " + tag + " URI '" + abbreviate(u) + "': not a valid URI");
            }
        }
        return valid;
    }

    /** dmarc-fo (section 4.7, tag fo): 0, 1, d, s separated by colons; default 0. */
    private static List<String> failureOptions(String value, List<String> warnings) {
        List<String> options = new ArrayList<>();
        for (String part : value.split(":", -1)) {
            String o = trimWsp(part).toLowerCase(Locale.ROOT);
            if (!(o.equals("0") || o.equals("1") || o.equals("d") || o.equals("s"))) {
                warnings.add("fo=" + abbreviate(value) + " is not a list of 0, 1, d, s; using the default 0");
                return List.of("0");
            }
            if (!options.contains(o)) {
                options.add(o);
            }
        }
        return options;
    }

    /** Strips WSP (space and tab, section 4.8 dmarc-sep and equals) from both ends. */
    static String trimWsp(String s) {
        int b = 0;
        int e = s.length();
        while (b < e && (s.charAt(b) == ' ' || s.charAt(b) == '\t')) {
            b++;
        }
        while (e > b && (s.charAt(e - 1) == ' ' || s.charAt(e - 1) == '\t')) {
            e--;
        }
        return s.substring(b, e);
    }

    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }
}
