package org.postern.config;

import java.nio.file.Path;

/**
 * Where a configuration value came from: a file and a 1-based line number, or a built-in
 * default ({@link #BUILT_IN}) or the command line ({@link #COMMAND_LINE}).
 * Every configuration error names its origin so that the admin can go straight to the line.
 */
public record Origin(Path file, int line, String label) {

    public static final Origin BUILT_IN = new Origin(null, 0, "built-in default");
    public static final Origin COMMAND_LINE = new Origin(null, 0, "command line");

    public static Origin of(Path file, int line) {
        return new Origin(file, line, null);
    }

    public boolean isFile() {
        return file != null;
    }

    @Override
    public String toString() {
        if (file == null) {
            return label;
        }
        return line > 0 ? file + ":" + line : file.toString();
    }
}
