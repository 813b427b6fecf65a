package org.postern.lookup;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source format of Postfix's indexed tables ({@code hash:}, {@code btree:}, {@code lmdb:},
 * {@code cdb:}) and of {@code texthash:}, per postmap(1): one {@code key whitespace value} per logical
 * line. Postern reads the text file itself, so no {@code postmap} run is needed.
 */
final class TextTable {

    private static final Logger log = LoggerFactory.getLogger(TextTable.class);

    private TextTable() {
    }

    static FileTable.Content parse(Path file, List<SourceLines.Line> lines) throws TableConfigException {
        Map<String, String> map = new HashMap<>();
        for (SourceLines.Line line : lines) {
            String text = line.text();
            int ws = firstWhitespace(text);
            if (ws < 0) {
                throw TableConfigException.at(file, line.number(), text, "key without a value",
                        "expected \"key whitespace value\", for example \"" + text + " OK\"");
            }
            // postmap(1) folds keys to lower case by default.
            String key = text.substring(0, ws).toLowerCase(Locale.ROOT);
            String value = text.substring(ws).strip();
            // postmap(1) warns about a duplicate entry and keeps the first one.
            if (map.putIfAbsent(key, value) != null) {
                log.warn("{}, line {}: duplicate entry \"{}\" ignored, the first one is used", file, line.number(), key);
            }
        }
        return key -> Optional.ofNullable(map.get(key));
    }

    static int firstWhitespace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }
}
