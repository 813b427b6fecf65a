package org.postern.store;

import java.util.Locale;

/**
 * Checks and normalises the domain names and addresses the store keeps: lower case, a
 * domain's single trailing dot removed. Admin input is checked strictly (so a typo is caught
 * when it is typed, not when mail bounces); lookup keys from mail processing are only
 * normalised, since an odd key simply finds nothing.
 */
final class Names {

    // RFC 5322 section 3.2.3 atext, without the letters and digits.
    private static final String ATEXT_SPECIALS = "!#$%&'*+-/=?^_`{|}~";

    private Names() {
    }

    /** Lower case and without one trailing dot; for lookup keys, which are not validated. */
    static String key(String s) {
        String k = s.strip().toLowerCase(Locale.ROOT);
        return k.endsWith(".") ? k.substring(0, k.length() - 1) : k;
    }

    /**
     * A hosted domain name: LDH labels (RFC 1035 section 2.3.1 as relaxed by RFC 1123
     * section 2.1), at most 63 octets each and 253 in all. Internationalised names are taken
     * in their ASCII (xn--) form.
     */
    static String domain(String input) throws StoreException {
        if (input == null || input.isBlank()) {
            throw new StoreException("no domain name given");
        }
        String d = key(input);
        String problem = domainProblem(d);
        if (problem != null) {
            throw new StoreException("invalid domain name '" + input.strip() + "': " + problem);
        }
        return d;
    }

    /** A mailbox address: an address whose local part can also be a directory name. */
    static String mailbox(String input) throws StoreException {
        String a = address(input, "mailbox address");
        if (a.substring(0, a.lastIndexOf('@')).contains("/")) {
            throw new StoreException("invalid mailbox address '" + input.strip()
                    + "': the local part names the Maildir directory, so it may not contain '/'");
        }
        return a;
    }

    /** An address or a whole-domain {@code @domain} key (alias sources, sender addresses). */
    static String addressOrDomain(String input, String what) throws StoreException {
        if (input != null && input.strip().startsWith("@")) {
            String d = input.strip().substring(1);
            String problem = domainProblem(key(d));
            if (d.isBlank() || problem != null) {
                throw new StoreException("invalid " + what + " '" + input.strip() + "': "
                        + (d.isBlank() ? "no domain after '@'" : problem));
            }
            return "@" + key(d);
        }
        return address(input, what);
    }

    /** The domain part of {@code local@domain} or {@code @domain}. */
    static String domainOf(String normalised) {
        return normalised.substring(normalised.lastIndexOf('@') + 1);
    }

    /** A full address {@code local@domain}, checked; {@code what} names it in messages. */
    static String address(String input, String what) throws StoreException {
        if (input == null || input.isBlank()) {
            throw new StoreException("no " + what + " given");
        }
        String a = input.strip();
        int at = a.lastIndexOf('@');
        if (at < 0) {
            throw new StoreException("invalid " + what + " '" + a + "': expected local-part@domain");
        }
        String local = a.substring(0, at).toLowerCase(Locale.ROOT);
        String domain = key(a.substring(at + 1));
        String problem = localPartProblem(local);
        if (problem == null) {
            problem = domain.isEmpty() ? "no domain after '@'" : domainProblem(domain);
        }
        if (problem == null && local.length() + 1 + domain.length() > 254) {
            problem = "longer than 254 characters (RFC 5321 section 4.5.3.1.3)";
        }
        if (problem != null) {
            throw new StoreException("invalid " + what + " '" + a + "': " + problem);
        }
        return local + "@" + domain;
    }

    /** RFC 5321 section 4.1.2 Dot-string; quoted local parts are not supported. */
    private static String localPartProblem(String local) {
        if (local.isEmpty()) {
            return "empty local part";
        }
        if (local.length() > 64) {
            return "local part longer than 64 characters (RFC 5321 section 4.5.3.1.1)";
        }
        if (local.startsWith(".") || local.endsWith(".") || local.contains("..")) {
            return "a dot may not start or end the local part or follow another dot";
        }
        for (int i = 0; i < local.length(); i++) {
            char c = local.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || ATEXT_SPECIALS.indexOf(c) >= 0)) {
                return "character '" + c + "' is not allowed in a local part (letters, digits and "
                        + ATEXT_SPECIALS + " are)";
            }
        }
        return null;
    }

    private static String domainProblem(String d) {
        if (d.isEmpty()) {
            return "empty";
        }
        if (d.length() > 253) {
            return "longer than 253 characters";
        }
        for (String label : d.split("\\.", -1)) {
            if (label.isEmpty()) {
                return "empty label (two dots in a row, or a leading dot)";
            }
            if (label.length() > 63) {
                return "label '" + label + "' is longer than 63 characters";
            }
            if (label.startsWith("-") || label.endsWith("-")) {
                return "label '" + label + "' starts or ends with '-'";
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (c > 127) {
                    return "non-ASCII characters; use the ASCII (xn--) form of an internationalised name";
                }
                if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-')) {
                    return "character '" + c + "' is not allowed (letters, digits and '-' are)";
                }
            }
        }
        return null;
    }
}
