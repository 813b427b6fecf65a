package org.postern.policy;

import java.util.ArrayList;
import java.util.List;

import org.postern.config.PostfixLists;
import org.postern.lookup.LookupException;
import org.postern.lookup.LookupTable;
import org.postern.lookup.LookupTables;
import org.postern.lookup.TableConfigException;

/**
 * A Postfix string list of action names, for {@code smtpd_log_access_permit_actions}: names
 * (case-insensitive), {@code /file} entries, {@code type:table} lookups (the key's existence
 * counts, so {@code static:all} matches everything) and {@code !} exclusions; searched left to
 * right, the first match decides.
 */
final class ActionList {

    private record Entry(boolean negate, String name, LookupTable table) { }

    private final List<Entry> entries;

    private ActionList(List<Entry> entries) {
        this.entries = entries;
    }

    static ActionList parse(String value, LookupTables tables) throws TableConfigException {
        List<Entry> entries = new ArrayList<>();
        ListItems.walk(value, (negate, s) -> entries.add(PostfixLists.isTable(s)
                ? new Entry(negate, null, tables.open(s))
                : new Entry(negate, s, null)));
        return new ActionList(entries);
    }

    boolean isEmpty() {
        return entries.isEmpty();
    }

    /** True if {@code action} is in the list; a failing table counts as no match. */
    boolean matches(String action) {
        for (Entry e : entries) {
            boolean hit;
            if (e.table() != null) {
                try {
                    hit = e.table().find(action).isPresent();
                } catch (LookupException ex) {
                    hit = false;
                }
            } else {
                hit = e.name().equalsIgnoreCase(action);
            }
            if (hit) {
                return !e.negate();
            }
        }
        return false;
    }
}
