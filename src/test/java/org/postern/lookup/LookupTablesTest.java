package org.postern.lookup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LookupTablesTest {

    @TempDir
    Path dir;

    @Test
    void unknownTypeListsSupportedTypes() {
        String m = TestTables.factory(dir).check("ldap:/etc/postfix/ldap.cf");
        assertThat(m).contains("unsupported table type \"ldap\"").contains("hash").contains("pgsql").contains("cidr");
        assertThat(TestTables.factory(dir).check("/etc/postfix/access")).contains("type:name");
        assertThat(TestTables.factory(dir).check("hash:")).contains("missing table name");
    }

    @Test
    void proxyIsTransparent() throws Exception {
        TestTables.write(dir, "a", "k v");
        LookupTable t = TestTables.factory(dir).open("proxy:hash:" + dir.resolve("a"));
        assertThat(t.spec()).isEqualTo("proxy:hash:" + dir.resolve("a"));
        assertThat(t.find("k")).contains("v");
    }

    @Test
    void listSearchesInOrderFirstHitWins() throws Exception {
        TestTables.write(dir, "a", "one from-a");
        TestTables.write(dir, "b", "one from-b", "two from-b");
        TableList list = TestTables.factory(dir).openList("hash:" + dir.resolve("a") + ", hash:" + dir.resolve("b")
                + " inline:{ three=from-inline, { four = x y } }");
        assertThat(list.tables()).hasSize(3);
        assertThat(list.find("one")).contains("from-a");
        assertThat(list.find("two")).contains("from-b");
        assertThat(list.find("four")).contains("x y");
        assertThat(list.find("five")).isEmpty();
    }

    @Test
    void lookupErrorStopsTheListSearch() throws Exception {
        LookupTable failing = new LookupTable() {
            @Override
            public String spec() {
                return "fail:x";
            }

            @Override
            public Optional<String> find(String key) throws LookupException {
                throw new LookupException(spec(), "down");
            }

            @Override
            public boolean fixedString() {
                return true;
            }
        };
        TableList list = new TableList("l", List.of(failing, TestTables.factory(dir).open("static:OK")));
        assertThatThrownBy(() -> list.find("k")).isInstanceOf(LookupException.class);
    }

    @Test
    void listOpenErrorNamesTheBrokenTable() {
        assertThatThrownBy(() -> TestTables.factory(dir).openList("static:OK, hash:" + dir.resolve("missing")))
                .isInstanceOf(TableConfigException.class).hasMessageContaining("missing");
    }

    @Test
    void unionmapJoinsAllValues() throws Exception {
        LookupTable t = TestTables.factory(dir).open("unionmap:{inline:{a=1}, inline:{a=2, b=3}}");
        assertThat(t.find("a")).contains("1,2");
        assertThat(t.find("b")).contains("3");
        assertThat(t.find("c")).isEmpty();
    }
}
