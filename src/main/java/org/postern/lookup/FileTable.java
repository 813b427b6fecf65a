package org.postern.lookup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A table read from a text file ({@code hash:}, {@code texthash:}, {@code cidr:}, {@code regexp:},
 * {@code pcre:}, ...). The file is parsed by a type-specific {@link Parser}. On lookup, at most once
 * per second, the file's modification time and size are compared with those of the loaded copy and
 * the file is read again when they changed; a new file that does not parse is logged and the old
 * contents stay in use, so a half-edited table never takes mail down.
 */
final class FileTable implements LookupTable {

    private static final Logger log = LoggerFactory.getLogger(FileTable.class);
    private static final long CHECK_INTERVAL_MILLIS = 1000;

    /** The parsed form of a table file. */
    interface Content {
        Optional<String> find(String key);
    }

    /** Parses the logical lines of a file into its content. */
    interface Parser {
        Content parse(Path file, List<SourceLines.Line> lines) throws TableConfigException;
    }

    private final String spec;
    private final Path file;
    private final Parser parser;
    private final boolean fixedString;
    private final Clock clock;

    private volatile Content content;
    private volatile Stamp stamp;
    private volatile long lastCheck;

    private record Stamp(long mtime, long size) {
    }

    FileTable(String spec, Path file, Parser parser, boolean fixedString, Clock clock) throws TableConfigException {
        this.spec = spec;
        this.file = file;
        this.parser = parser;
        this.fixedString = fixedString;
        this.clock = clock;
        Stamp s = stamp(file);
        if (s == null) {
            throw SourceLines.missing(file);
        }
        this.content = parser.parse(file, SourceLines.read(file));
        this.stamp = s;
        this.lastCheck = clock.millis();
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public boolean fixedString() {
        return fixedString;
    }

    @Override
    public Optional<String> find(String key) {
        reloadIfChanged();
        // postmap(1) folds keys to lower case when building indexed tables, and lookups fold the
        // query; pattern tables see the key unchanged (the pattern decides, regexp_table(5)).
        return content.find(fixedString ? key.toLowerCase(Locale.ROOT) : key);
    }

    private void reloadIfChanged() {
        long now = clock.millis();
        if (now - lastCheck < CHECK_INTERVAL_MILLIS) {
            return;
        }
        synchronized (this) {
            if (now - lastCheck < CHECK_INTERVAL_MILLIS) {
                return;
            }
            lastCheck = now;
            Stamp current = stamp(file);
            if (current == null || current.equals(stamp)) {
                if (current == null) {
                    log.warn("{}: table file disappeared, keeping the contents loaded before", spec);
                }
                return;
            }
            try {
                content = parser.parse(file, SourceLines.read(file));
                log.info("{}: table file changed, reloaded", spec);
            } catch (TableConfigException e) {
                log.error("{}: changed table file not loaded, keeping the previous contents: {}", spec, e.getMessage());
            }
            // Remember the stamp even after a failure so a broken file is reported once, not every second.
            stamp = current;
        }
    }

    private static Stamp stamp(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return new Stamp(a.lastModifiedTime().toMillis(), a.size());
        } catch (IOException e) {
            return null;
        }
    }
}
