package org.postern.lookup;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The order in which Postfix looks up a mail address in a table (postfix-restrictions.md 3.2,
 * access(5) "EMAIL ADDRESS PATTERNS", Postfix's mail_addr_find): {@code user+ext@domain},
 * {@code user@domain}, {@code domain}, the parent domains, {@code user+ext@}, {@code user@}. Only
 * the first, whole-address key is given to pattern tables (regexp, pcre, cidr); the partial keys go
 * to fixed-string tables only.
 *
 * <p>{@link #virtualKeys} is the shorter order of virtual(5) and cleanup(8) alias expansion: the
 * address, the address without extension, {@code @domain}.
 *
 * <p>The recipient delimiter may be empty (no extensions) or hold several characters, any of which
 * starts an extension (Postfix {@code recipient_delimiter}). The null sender is the caller's
 * business (Postfix looks up {@code smtpd_null_access_lookup_key}, default {@code <>}).
 */
public final class AddressSearch {

    private final String delimiters;
    private final boolean parentMatchesSubdomains;

    /**
     * @param recipientDelimiter            Postfix {@code recipient_delimiter}, may be empty
     * @param parentDomainMatchesSubdomains true when this table's feature is listed in
     *                                      {@code parent_domain_matches_subdomains} (parents are
     *                                      looked up as {@code example.com}); false for the
     *                                      {@code .example.com} style
     */
    public AddressSearch(String recipientDelimiter, boolean parentDomainMatchesSubdomains) {
        this.delimiters = recipientDelimiter == null ? "" : recipientDelimiter;
        this.parentMatchesSubdomains = parentDomainMatchesSubdomains;
    }

    /** The keys for an access-table lookup, in search order, without duplicates. */
    public List<String> keys(String address) {
        List<String> keys = new ArrayList<>();
        int at = address.lastIndexOf('@');
        String local = at < 0 ? address : address.substring(0, at);
        String base = baseLocalpart(local);
        if (at < 0) {
            add(keys, address);
            add(keys, local + "@");
            add(keys, base + "@");
            return keys;
        }
        String domain = address.substring(at + 1);
        add(keys, address);
        add(keys, base + "@" + domain);
        if (!domain.isEmpty()) {
            add(keys, domain);
            keys.addAll(parents(domain, parentMatchesSubdomains));
        }
        add(keys, local + "@");
        add(keys, base + "@");
        return keys;
    }

    /** The keys of virtual alias / mailbox lookups: address, address without extension, @domain. */
    public List<String> virtualKeys(String address) {
        List<String> keys = new ArrayList<>();
        int at = address.lastIndexOf('@');
        add(keys, address);
        if (at >= 0) {
            add(keys, baseLocalpart(address.substring(0, at)) + address.substring(at));
            add(keys, address.substring(at));
        } else {
            add(keys, baseLocalpart(address));
        }
        return keys;
    }

    /** Searches the table(s) in access-table order; the first key found wins. */
    public Optional<SearchHit> find(LookupTable tables, String address) throws LookupException {
        return search(TableList.of(tables), keys(address));
    }

    /** Searches the table(s) in virtual alias order; the first key found wins. */
    public Optional<SearchHit> findVirtual(LookupTable tables, String address) throws LookupException {
        return search(TableList.of(tables), virtualKeys(address));
    }

    /**
     * The local part without its extension. Following Postfix's split_addr, nothing is split off
     * when the delimiter is the first character, and with "-" as a delimiter the traditional
     * {@code owner-list} and {@code list-request} names stay whole.
     */
    public String baseLocalpart(String local) {
        if (delimiters.isEmpty()) {
            return local;
        }
        if (delimiters.indexOf('-') >= 0) {
            String lower = local.toLowerCase(java.util.Locale.ROOT);
            if (lower.startsWith("owner-") || lower.endsWith("-request")) {
                return local;
            }
        }
        for (int i = 1; i < local.length(); i++) {
            if (delimiters.indexOf(local.charAt(i)) >= 0) {
                return local.substring(0, i);
            }
        }
        return local;
    }

    /** Parent domains of {@code a.b.c}: {@code b.c, c} or {@code .b.c, .c}. */
    static List<String> parents(String domain, boolean plainStyle) {
        List<String> out = new ArrayList<>();
        if (domain.startsWith("[")) {
            return out; // an address literal has no parents
        }
        for (int dot = domain.indexOf('.'); dot >= 0 && dot < domain.length() - 1; dot = domain.indexOf('.', dot + 1)) {
            out.add(plainStyle ? domain.substring(dot + 1) : domain.substring(dot));
        }
        return out;
    }

    static Optional<SearchHit> search(TableList tables, List<String> keys) throws LookupException {
        for (int i = 0; i < keys.size(); i++) {
            String key = keys.get(i);
            Optional<String> v = tables.find(key, i > 0);
            if (v.isPresent()) {
                return Optional.of(new SearchHit(key, v.get()));
            }
        }
        return Optional.empty();
    }

    private static void add(List<String> keys, String key) {
        if (!key.isEmpty() && !keys.contains(key)) {
            keys.add(key);
        }
    }
}
