package org.postern.delivery.smtp;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;

/**
 * The DNS names a server certificate is for, and whether one of them matches a name the SMTP
 * client expects (levels {@code verify} and {@code secure}).
 *
 * <p>The names are the certificate's DNS subjectAltNames; only a certificate without any has its
 * subject common name(s) used instead (RFC 6125 section 6.4.4). Comparison ignores case and a
 * trailing dot (section 6.4.1). A certificate name {@code *.example.com} stands for exactly one
 * leftmost label (section 6.4.3): it covers {@code mx.example.com}, but neither
 * {@code a.b.example.com} nor {@code example.com}. Only a whole-label {@code *} is a wildcard, and
 * not directly above a top-level domain ({@code *.com} covers nothing).
 *
 * <p>An expected name that starts with a dot, as Postfix writes {@code .example.com} (and as
 * {@code dot-nexthop} expands), is matched by any certificate name below that domain, including
 * a wildcard name such as {@code *.example.com} or {@code *.mx.example.com}.
 */
final class CertificateNames {

    private CertificateNames() {
    }

    /** The DNS subjectAltNames in lower case; the subject's common names when there is none. */
    static List<String> of(X509Certificate certificate) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
            if (alternatives != null) {
                for (List<?> entry : alternatives) {
                    // GeneralName dNSName is tag 2 (RFC 5280 section 4.2.1.6).
                    if (entry.size() >= 2 && Integer.valueOf(2).equals(entry.get(0)) && entry.get(1) instanceof String s) {
                        names.add(normalise(s));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return List.of(); // an unreadable extension: no name can be trusted
        }
        if (!names.isEmpty()) {
            return names;
        }
        try {
            LdapName subject = new LdapName(certificate.getSubjectX500Principal().getName(X500Principal.RFC2253));
            for (Rdn rdn : subject.getRdns()) {
                if (rdn.getType().equalsIgnoreCase("CN") && rdn.getValue() instanceof String cn) {
                    names.add(normalise(cn));
                }
            }
        } catch (InvalidNameException e) {
            return List.of();
        }
        return names;
    }

    /** True when one of the certificate's names matches one of the expected names. */
    static boolean matchAny(X509Certificate certificate, List<String> expected) {
        List<String> names = of(certificate);
        for (String want : expected) {
            for (String name : names) {
                if (matches(name, want)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * @param certName a name from the certificate, perhaps a wildcard
     * @param expected a host name, or {@code .domain} for any name below the domain
     */
    static boolean matches(String certName, String expected) {
        String name = normalise(certName);
        String want = normalise(expected);
        if (name.isEmpty() || want.isEmpty() || want.equals(".")) {
            return false;
        }
        boolean wildcard = name.startsWith("*.");
        String parent = wildcard ? name.substring(2) : name;
        // RFC 6125 section 6.4.3: only a whole leftmost "*" label is a wildcard, and *.com covers nothing.
        if (parent.contains("*") || wildcard && !parent.contains(".")) {
            return false;
        }
        if (want.startsWith(".")) {
            // Any name below the domain; *.parent stands for names one label below parent, which
            // are all below the domain when parent is the domain itself or below it.
            return wildcard ? parent.equals(want.substring(1)) || parent.endsWith(want) : name.endsWith(want);
        }
        if (wildcard) {
            int dot = want.indexOf('.');
            return dot > 0 && want.substring(dot + 1).equals(parent);
        }
        return name.equals(want);
    }

    private static String normalise(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        return n.endsWith(".") && n.length() > 1 ? n.substring(0, n.length() - 1) : n;
    }
}
