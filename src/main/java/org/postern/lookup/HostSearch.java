package org.postern.lookup;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The order in which Postfix looks up a client or HELO host name and a client IP address in an
 * access table (postfix-restrictions.md 3.1, access(5) "HOST NAME/ADDRESS PATTERNS"):
 *
 * <ul>
 * <li>names: the name, then its parent domains ({@code example.com} or {@code .example.com}
 * style); a numeric name gets no parent walk;</li>
 * <li>addresses: IPv4 {@code 1.2.3.4, 1.2.3, 1.2, 1}; IPv6 the compressed form, then the same with
 * the last {@code :}-group cut off, repeatedly.</li>
 * </ul>
 *
 * Pattern tables only see the first (whole) key. The caller decides what a value means
 * ({@code DUNNO} etc.); the hit says which key matched.
 */
public final class HostSearch {

    private final boolean parentMatchesSubdomains;

    /** @param parentDomainMatchesSubdomains see {@link AddressSearch#AddressSearch(String, boolean)} */
    public HostSearch(boolean parentDomainMatchesSubdomains) {
        this.parentMatchesSubdomains = parentDomainMatchesSubdomains;
    }

    public List<String> nameKeys(String hostname) {
        List<String> keys = new ArrayList<>();
        keys.add(hostname);
        String bare = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.substring(1, hostname.length() - 1) : hostname;
        if (Ips.parse(bare) == null) {
            keys.addAll(AddressSearch.parents(hostname, parentMatchesSubdomains));
        }
        return keys;
    }

    /** Keys for an IP address; a string that is not an address yields only itself. */
    public static List<String> addressKeys(String ip) {
        List<String> keys = new ArrayList<>();
        byte[] b = Ips.parse(ip);
        if (b == null) {
            keys.add(ip);
            return keys;
        }
        String text = Ips.format(b);
        char delim = b.length == 4 ? '.' : ':';
        for (String k = text; !k.isEmpty(); ) {
            keys.add(k);
            int cut = k.lastIndexOf(delim);
            k = cut < 0 ? "" : k.substring(0, cut);
        }
        return keys;
    }

    public Optional<SearchHit> findName(LookupTable tables, String hostname) throws LookupException {
        return AddressSearch.search(TableList.of(tables), nameKeys(hostname));
    }

    public Optional<SearchHit> findAddress(LookupTable tables, String ip) throws LookupException {
        return AddressSearch.search(TableList.of(tables), addressKeys(ip));
    }
}
