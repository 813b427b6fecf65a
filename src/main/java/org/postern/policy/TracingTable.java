package org.postern.policy;

import java.util.Optional;

import org.postern.lookup.LookupException;
import org.postern.lookup.LookupTable;

/** A table that reports every lookup to a {@link PolicyTrace}; only made when a trace is set. */
final class TracingTable implements LookupTable {

    private final LookupTable table;
    private final PolicyTrace trace;

    TracingTable(LookupTable table, PolicyTrace trace) {
        this.table = table;
        this.trace = trace;
    }

    @Override
    public String spec() {
        return table.spec();
    }

    @Override
    public Optional<String> find(String key) throws LookupException {
        try {
            Optional<String> v = table.find(key);
            trace.lookup(table.spec(), key, v);
            return v;
        } catch (LookupException e) {
            trace.lookupError(table.spec(), key, e.getMessage());
            throw e;
        }
    }

    @Override
    public boolean fixedString() {
        return table.fixedString();
    }
}
