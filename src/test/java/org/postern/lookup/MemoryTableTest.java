package org.postern.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemoryTableTest {

    @TempDir
    Path dir;

    @Test
    void inlineTableWithBracedElementsAndFolding() throws Exception {
        LookupTable t = TestTables.factory(dir).open("inline:{ Key1=value1, key2=value2, { key3 = value with spaces } }");
        assertThat(t.find("key1")).contains("value1");
        assertThat(t.find("KEY2")).contains("value2");
        assertThat(t.find("key3")).contains("value with spaces");
        assertThat(t.find("key4")).isEmpty();
        assertThat(t.fixedString()).isTrue();
    }

    @Test
    void inlineErrors() {
        LookupTables f = TestTables.factory(dir);
        assertThat(f.check("inline:{ a=b, novalue }")).contains("novalue").contains("key=value");
        assertThat(f.check("inline:a=b")).contains("braces");
        assertThat(f.check("inline:{ a=b")).contains("}");
    }

    @Test
    void staticTable() throws Exception {
        LookupTables f = TestTables.factory(dir);
        assertThat(f.open("static:OK").find("anything")).contains("OK");
        assertThat(f.open("static:{ REJECT no thanks }").find("x")).contains("REJECT no thanks");
        assertThat(f.check("static:{ open")).contains("}");
    }
}
