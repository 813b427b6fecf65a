package org.postern.lookup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextTableTest {

    @TempDir
    Path dir;

    @Test
    void readsTheTextSourceWithCommentsContinuationsAndFolding() throws Exception {
        TestTables.write(dir, "access",
                "# a comment",
                "",
                "Spammer@Example.COM   REJECT go away",
                "example.net OK",
                "   # indented comment",
                "multi 550 first part",
                "  and second part",
                "Mixed  Value Keeps Case");
        for (String type : new String[] {"hash", "texthash", "btree", "lmdb", "cdb", "proxy:hash"}) {
            LookupTable t = TestTables.factory(dir).open(type + ":" + dir.resolve("access"));
            assertThat(t.fixedString()).isTrue();
            assertThat(t.find("spammer@example.com")).contains("REJECT go away");
            assertThat(t.find("SPAMMER@example.COM")).contains("REJECT go away");
            assertThat(t.find("EXAMPLE.NET")).contains("OK");
            assertThat(t.find("multi")).contains("550 first part  and second part");
            assertThat(t.find("mixed")).contains("Value Keeps Case");
            assertThat(t.find("nothere")).isEmpty();
        }
    }

    @Test
    void relativeNamesResolveAgainstTheConfigDirectory() throws Exception {
        TestTables.write(dir, "rel", "a b");
        assertThat(TestTables.factory(dir).open("hash:rel").find("a")).contains("b");
    }

    @Test
    void duplicateKeysKeepTheFirstEntryAsPostmapDoes() throws Exception {
        TestTables.write(dir, "dup", "key first", "KEY second");
        assertThat(TestTables.factory(dir).open("hash:" + dir.resolve("dup")).find("key")).contains("first");
    }

    @Test
    void keyWithoutValueNamesFileLineAndText() throws Exception {
        Path f = TestTables.write(dir, "bad", "good OK", "# c", "lonelykey");
        assertThatThrownBy(() -> TestTables.factory(dir).open("hash:" + f))
                .isInstanceOf(TableConfigException.class)
                .hasMessageContaining(f + ", line 3")
                .hasMessageContaining("\"lonelykey\"")
                .hasMessageContaining("key whitespace value");
    }

    @Test
    void leadingContinuationLineIsAnError() throws Exception {
        Path f = TestTables.write(dir, "cont", "  indented first");
        assertThat(TestTables.factory(dir).check("hash:" + f)).contains(f + ", line 1").contains("continuation");
    }

    @Test
    void missingFileAndCompiledOnlyFile() throws Exception {
        LookupTables tables = TestTables.factory(dir);
        assertThat(tables.check("hash:" + dir.resolve("nope"))).contains("not found");
        Files.writeString(dir.resolve("compiled.db"), "binary");
        assertThat(tables.check("hash:" + dir.resolve("compiled")))
                .contains("compiled.db")
                .contains("text source");
    }

    @Test
    void reloadsWhenTheFileChangesAndKeepsOldContentsWhenTheNewFileIsBroken() throws Exception {
        TestTables.MutableClock clock = new TestTables.MutableClock();
        LookupTables tables = new LookupTables(new TableContext(dir, TestTables.FakeAccounts::new, clock));
        Path f = TestTables.write(dir, "live", "a 1");
        Files.setLastModifiedTime(f, FileTime.from(Instant.parse("2026-01-01T00:00:00Z")));
        LookupTable t = tables.open("hash:" + f);
        assertThat(t.find("a")).contains("1");

        TestTables.write(dir, "live", "a 2");
        Files.setLastModifiedTime(f, FileTime.from(Instant.parse("2026-01-01T00:01:00Z")));
        // Checked at most once per second: the change is not seen yet.
        assertThat(t.find("a")).contains("1");
        clock.advanceSeconds(1);
        assertThat(t.find("a")).contains("2");

        TestTables.write(dir, "live", "a 3", "broken");
        Files.setLastModifiedTime(f, FileTime.from(Instant.parse("2026-01-01T00:02:00Z")));
        clock.advanceSeconds(1);
        assertThat(t.find("a")).contains("2");

        TestTables.write(dir, "live", "a 4");
        Files.setLastModifiedTime(f, FileTime.from(Instant.parse("2026-01-01T00:03:00Z")));
        clock.advanceSeconds(1);
        assertThat(t.find("a")).contains("4");
    }
}
