package org.postern.lookup;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code unionmap:{table1, table2, ...}} (Postfix DATABASE_README): queries every table and joins
 * all values found with commas. A lookup error in any table fails the whole lookup.
 */
final class UnionTable implements LookupTable {

    private final String spec;
    private final List<LookupTable> tables;

    UnionTable(String spec, List<LookupTable> tables) {
        this.spec = spec;
        this.tables = List.copyOf(tables);
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public Optional<String> find(String key) throws LookupException {
        List<String> values = new ArrayList<>();
        for (LookupTable t : tables) {
            t.find(key).ifPresent(values::add);
        }
        return values.isEmpty() ? Optional.empty() : Optional.of(String.join(",", values));
    }

    @Override
    public boolean fixedString() {
        return tables.stream().allMatch(LookupTable::fixedString);
    }

    @Override
    public void close() {
        tables.forEach(LookupTable::close);
    }
}
