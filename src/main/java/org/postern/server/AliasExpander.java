package org.postern.server;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.postern.lookup.AddressSearch;
import org.postern.lookup.LookupException;
import org.postern.lookup.LookupTable;
import org.postern.lookup.SearchHit;

/**
 * Virtual alias expansion as Postfix's cleanup(8) does it after a message is accepted
 * (postfix-restrictions.md section 4.4): each address is looked up in
 * {@code virtual_alias_maps} (full address, without extension, then {@code @domain}); the result
 * is a comma/space separated list whose members are expanded in turn. An address whose
 * expansion contains itself keeps itself and is not expanded again. Too deep a nesting, too
 * many addresses or too long an address is an error, and so is a lookup failure: the message
 * is then refused with {@code 451 4.6.0 Alias expansion error}.
 */
public final class AliasExpander {

    /** Why expansion failed; the text goes to the log, the client sees 451 4.6.0. */
    public static final class ExpansionException extends Exception {
        public ExpansionException(String message) {
            super(message);
        }
    }

    private final LookupTable aliases;
    private final AddressSearch search;
    private final int recursionLimit;
    private final int expansionLimit;
    private final int lengthLimit;

    public AliasExpander(LookupTable aliases, AddressSearch search, int recursionLimit, int expansionLimit,
                         int lengthLimit) {
        this.aliases = aliases;
        this.search = search;
        this.recursionLimit = recursionLimit;
        this.expansionLimit = expansionLimit;
        this.lengthLimit = lengthLimit;
    }

    /** The final recipients of one envelope recipient, in order, without duplicates. */
    public List<String> expand(String address) throws ExpansionException {
        Set<String> out = new LinkedHashSet<>();
        expand(address, 0, out);
        return new ArrayList<>(out);
    }

    private void expand(String address, int depth, Set<String> out) throws ExpansionException {
        if (depth > recursionLimit) {
            throw new ExpansionException("unreasonable virtual_alias_maps map nesting for " + address);
        }
        if (address.length() > lengthLimit) {
            throw new ExpansionException("unreasonable virtual_alias_maps map expansion size for " + address);
        }
        Optional<SearchHit> hit;
        try {
            hit = aliases == null ? Optional.empty() : search.findVirtual(aliases, address);
        } catch (LookupException e) {
            throw new ExpansionException("virtual_alias_maps lookup failure for " + address + ": " + e.getMessage());
        }
        if (hit.isEmpty()) {
            add(address, out);
            return;
        }
        for (String member : hit.get().value().split("[,\\s]+")) {
            if (member.isEmpty()) {
                continue;
            }
            if (member.equalsIgnoreCase(address)) {
                add(address, out);   // self-reference: keep, do not expand again
            } else {
                expand(member, depth + 1, out);
            }
        }
    }

    private void add(String address, Set<String> out) throws ExpansionException {
        out.add(address);
        if (out.size() > expansionLimit) {
            throw new ExpansionException("unreasonable virtual_alias_maps map expansion size for " + address);
        }
    }
}
