package org.postern.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.postern.config.PostfixLists;
import org.postern.lookup.LookupException;
import org.postern.lookup.LookupTable;
import org.postern.lookup.LookupTables;
import org.postern.lookup.TableConfigException;

/**
 * A Postfix domain list ({@code mydestination}, {@code relay_domains},
 * {@code virtual_*_domains}; postfix-restrictions.md section 4.3): domain names, {@code /file}
 * entries, {@code type:table} lookups (only the key's existence counts) and {@code !} exclusions,
 * case-insensitive, first match decides. With parent matching (the list's feature is in
 * {@code parent_domain_matches_subdomains}) {@code example.com} also matches its subdomains; a
 * {@code .example.com} pattern always matches subdomains.
 */
final class DomainList {

    private record Entry(boolean negate, String domain, LookupTable table) { }

    private final List<Entry> entries;
    private final boolean parentMatches;

    private DomainList(List<Entry> entries, boolean parentMatches) {
        this.entries = entries;
        this.parentMatches = parentMatches;
    }

    static DomainList parse(String value, LookupTables tables, boolean parentMatches)
            throws TableConfigException {
        List<Entry> entries = new ArrayList<>();
        ListItems.walk(value, (negate, s) -> entries.add(PostfixLists.isTable(s)
                ? new Entry(negate, null, tables.open(s))
                : new Entry(negate, s.toLowerCase(Locale.ROOT), null)));
        return new DomainList(entries, parentMatches);
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    /** True if the domain is in the list; a table lookup failure is thrown. */
    boolean matches(String domain) throws LookupException {
        String d = domain.toLowerCase(Locale.ROOT);
        if (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        for (Entry e : entries) {
            if (e.table() != null) {
                if (e.table().find(d).isPresent()) {
                    return !e.negate();
                }
                if (parentMatches && e.table().fixedString()) {
                    for (int dot = d.indexOf('.'); dot >= 0; dot = d.indexOf('.', dot + 1)) {
                        if (e.table().find(d.substring(dot + 1)).isPresent()) {
                            return !e.negate();
                        }
                    }
                }
            } else if (d.equals(e.domain())
                    || parentMatches && d.endsWith("." + e.domain())
                    || e.domain().startsWith(".") && d.endsWith(e.domain())) {
                return !e.negate();
            }
        }
        return false;
    }
}
