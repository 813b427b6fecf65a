package org.postern.lookup;

import java.util.List;
import java.util.Optional;

/**
 * The tables of one parameter that lists several ({@code virtual_alias_maps = hash:/a, pgsql:/b}),
 * searched in order; the first table with the key wins. A lookup error in a table stops the search:
 * in Postfix a failed lookup is not a miss, so later tables must not answer in its place.
 */
public final class TableList implements LookupTable {

    private final String spec;
    private final List<LookupTable> tables;

    public TableList(String spec, List<LookupTable> tables) {
        this.spec = spec;
        this.tables = List.copyOf(tables);
    }

    /** A list of one table, or the table itself when it already is a list. */
    public static TableList of(LookupTable table) {
        return table instanceof TableList l ? l : new TableList(table.spec(), List.of(table));
    }

    public List<LookupTable> tables() {
        return tables;
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public Optional<String> find(String key) throws LookupException {
        return find(key, false);
    }

    /**
     * Looks the key up in each table in turn. With {@code fixedOnly}, pattern tables are skipped:
     * Postfix queries them only with the whole address or name, never with partial keys.
     */
    public Optional<String> find(String key, boolean fixedOnly) throws LookupException {
        for (LookupTable t : tables) {
            if (fixedOnly && !t.fixedString()) {
                continue;
            }
            Optional<String> v = t.find(key);
            if (v.isPresent()) {
                return v;
            }
        }
        return Optional.empty();
    }

    /** True when every table is a fixed-string table. */
    @Override
    public boolean fixedString() {
        return tables.stream().allMatch(LookupTable::fixedString);
    }

    public boolean isEmpty() {
        return tables.isEmpty();
    }

    @Override
    public void close() {
        tables.forEach(LookupTable::close);
    }
}
