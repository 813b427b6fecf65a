package org.postern.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.postern.lookup.LookupException;
import org.postern.lookup.LookupTable;
import org.postern.lookup.LookupTables;
import org.postern.lookup.TableConfigException;
import org.postern.lookup.TableContext;

/**
 * Postfix lookup table sources (cidr_table(5), regexp_table(5), pcre_table(5) as translated to
 * Java regular expressions, texthash, inline:{...}, static:): a bad table fails to open with a
 * {@link TableConfigException} that names the table, and an opened table answers every key
 * with a result, never an exception other than {@link LookupException}.
 */
@Tag("fuzz")
class LookupTableFuzzTest {
    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("postern-fuzz-tables");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        DIR.toFile().deleteOnExit();
    }

    private static final String[] FILE_TYPES = {"cidr", "regexp", "pcre", "texthash"};
    private static final String[] PIECES = {
        "/", "/i", "/m", "/x", "/U", "/X", "!/", "if ", "endif", "OK", "REJECT", "$1", "${1}", "(", ")", "[", "]",
        "\\", "^", "$", "*", "+", "?", "{2,3}", "(?", "[[:alpha:]]", "|", "10.0.0.0/8", "192.0.2.1", "::1/128",
        "2001:db8::/32", "[2001:db8::1]", " ", "\t", "\n", "\n ", "#", "a", "example.com",
    };

    @FuzzTest
    void fileTable(FuzzedDataProvider data) throws IOException {
        String type = data.pickValue(FILE_TYPES);
        String[] keys = {data.consumeString(16), data.consumeString(16)};
        StringBuilder text = new StringBuilder();
        int n = data.consumeInt(0, 30);
        for (int i = 0; i < n && data.remainingBytes() > 0; i++) {
            text.append(data.consumeBoolean() ? data.pickValue(PIECES) : data.consumeString(8));
        }
        text.append(data.consumeRemainingAsString());
        Path file = DIR.resolve("table");
        Files.writeString(file, text, StandardCharsets.UTF_8);
        LookupTables tables = new LookupTables(new TableContext(DIR, () -> null));
        String spec = type + ":" + file;
        LookupTable table;
        try {
            table = tables.open(spec);
        } catch (TableConfigException expected) {
            // The message names the file (and the line where there is one) for the admin.
            assertThat(expected.getMessage()).contains(file.toString());
            return;
        }
        try (table) {
            for (String key : keys) {
                try {
                    table.find(key);
                } catch (LookupException expected) {
                    assertThat(expected.getMessage()).isNotNull();
                }
            }
        }
    }

    @FuzzTest
    void inlineTable(FuzzedDataProvider data) {
        String key = data.consumeString(16);
        String spec = data.pickValue(new String[] {"inline:", "static:", "proxy:inline:"})
                + data.consumeRemainingAsString();
        LookupTables tables = new LookupTables(new TableContext(DIR, () -> null));
        try (LookupTable table = tables.open(spec)) {
            table.find(key);
        } catch (TableConfigException | LookupException expected) {
            assertThat(expected.getMessage()).isNotNull();
        }
    }
}
