package org.postern.lookup;

import java.nio.file.Path;

/**
 * A lookup table that cannot be opened as configured: unknown type, missing file, a syntax error
 * in the table file, a missing setting in a {@code .cf} file. Unlike {@link LookupException} this is
 * not temporary: the configuration must be fixed. The message is meant for the administrator and
 * names the file, the line, the offending text and what would be valid.
 */
public class TableConfigException extends Exception {

    public TableConfigException(String message) {
        super(message);
    }

    public TableConfigException(String message, Throwable cause) {
        super(message, cause);
    }

    /** A problem on one line of a table file: {@code file, line N: problem: "text"; fix}. */
    static TableConfigException at(Path file, int line, String text, String problem, String fix) {
        return new TableConfigException(file + ", line " + line + ": " + problem + ": \"" + text + "\"; " + fix);
    }
}
