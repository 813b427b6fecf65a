package org.postern.lookup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a Postfix table source file into logical lines, the way all Postfix text tables are read
 * (postmap(1), cidr_table(5), regexp_table(5), pcre_table(5)): blank lines and lines whose first
 * non-blank character is {@code #} are ignored, and a line that starts with whitespace continues
 * the previous logical line. Each logical line keeps the number of its first physical line.
 */
final class SourceLines {

    /** One logical line and the line number where it starts. */
    record Line(int number, String text) {
    }

    private SourceLines() {
    }

    static List<Line> read(Path file) throws TableConfigException {
        String content;
        try {
            content = new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw missing(file);
        } catch (IOException e) {
            throw new TableConfigException(file + ": cannot read table file: " + e.getMessage()
                    + "; check that the file exists and is readable", e);
        }
        return split(file, content);
    }

    static TableConfigException missing(Path file) {
        for (String suffix : new String[] {".db", ".lmdb", ".cdb"}) {
            if (Files.exists(Path.of(file + suffix))) {
                return new TableConfigException(file + ": table source file not found (only " + file + suffix
                        + " exists); Postern reads the text source that postmap compiles, so put the text file at "
                        + file);
            }
        }
        return new TableConfigException(file + ": table file not found; create it or fix the table name");
    }

    static List<Line> split(Path file, String content) throws TableConfigException {
        List<Line> out = new ArrayList<>();
        String[] physical = content.split("\r?\n", -1);
        StringBuilder current = null;
        int start = 0;
        for (int i = 0; i < physical.length; i++) {
            String line = physical[i];
            String stripped = line.strip();
            if (stripped.isEmpty() || stripped.startsWith("#")) {
                continue;
            }
            if (Character.isWhitespace(line.charAt(0))) {
                if (current == null) {
                    throw TableConfigException.at(file, i + 1, stripped,
                            "continuation line without a line to continue",
                            "start the first entry in column 1 (a line starting with whitespace continues the previous one)");
                }
                current.append(line);
                continue;
            }
            if (current != null) {
                out.add(new Line(start, current.toString().strip()));
            }
            current = new StringBuilder(line);
            start = i + 1;
        }
        if (current != null) {
            out.add(new Line(start, current.toString().strip()));
        }
        return out;
    }
}
