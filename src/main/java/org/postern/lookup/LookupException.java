package org.postern.lookup;

/**
 * A temporary lookup failure: the table exists but could not answer now (database unreachable,
 * expansion limit exceeded, I/O error). Postfix answers such failures with
 * {@code 451 4.3.0 ... Temporary lookup failure}; they are never treated as "not found".
 */
public class LookupException extends Exception {

    private final String table;

    public LookupException(String table, String message, Throwable cause) {
        super(table + ": " + message, cause);
        this.table = table;
    }

    public LookupException(String table, String message) {
        this(table, message, null);
    }

    public String table() {
        return table;
    }
}
