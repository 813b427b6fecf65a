package org.postern.lookup;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteTableTest {

    @TempDir
    Path dir;
    Path db;

    @BeforeEach
    void createDatabase() throws Exception {
        db = dir.resolve("mail.sqlite");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE alias (address TEXT, goto TEXT)");
            s.execute("INSERT INTO alias VALUES ('joe@example.com', 'joe.real@example.org')");
            s.execute("INSERT INTO alias VALUES ('list@example.com', 'a@x.example')");
            s.execute("INSERT INTO alias VALUES ('list@example.com', 'b@y.example')");
            s.execute("INSERT INTO alias VALUES ('o''neil@example.com', 'quoted@example.org')");
        }
    }

    private LookupTable open(String... extra) throws Exception {
        String[] lines = new String[extra.length + 1];
        lines[0] = "dbpath = " + db;
        System.arraycopy(extra, 0, lines, 1, extra.length);
        return TestTables.factory(dir).open("sqlite:" + TestTables.write(dir, "alias.cf", lines));
    }

    @Test
    void queriesWithFoldingQuotingAndMultipleRows() throws Exception {
        LookupTable t = open("query = SELECT goto FROM alias WHERE address = '%s'");
        assertThat(t.fixedString()).isTrue();
        assertThat(t.find("Joe@Example.COM")).contains("joe.real@example.org");
        assertThat(t.find("list@example.com")).contains("a@x.example,b@y.example");
        assertThat(t.find("o'neil@example.com")).contains("quoted@example.org");
        assertThat(t.find("x' OR '1'='1")).isEmpty();
        assertThat(t.find("nobody@example.com")).isEmpty();
        t.close();
    }

    @Test
    void resultFormatDomainAndExpansionLimit() throws Exception {
        LookupTable t = open("query = SELECT goto FROM alias WHERE address = '%u@%d'",
                "result_format = smtp:%d",
                "domain = example.com",
                "expansion_limit = 1");
        assertThat(t.find("joe@example.com")).contains("smtp:example.org");
        assertThat(t.find("example.com")).isEmpty();
        assertThatLookupFails(t, "list@example.com");
    }

    @Test
    void domainListFromFileAndFromTable() throws Exception {
        Path domains = TestTables.write(dir, "domains", "# hosted", "other.example", "example.com");
        LookupTable t = open("query = SELECT goto FROM alias WHERE address = '%s'", "domain = " + domains);
        assertThat(t.find("joe@example.com")).contains("joe.real@example.org");
        assertThat(t.find("joe@unlisted.example")).isEmpty();
        t = open("query = SELECT goto FROM alias WHERE address = '%s'", "domain = inline:{ example.com=yes }");
        assertThat(t.find("joe@example.com")).contains("joe.real@example.org");
        assertThat(t.find("@example.com")).isEmpty();
    }

    @Test
    void legacySettings() throws Exception {
        LookupTable t = open("select_field = goto", "table = alias", "where_field = address",
                "additional_conditions = AND goto LIKE 'a%'");
        assertThat(t.find("list@example.com")).contains("a@x.example");
    }

    @Test
    void configErrors() throws Exception {
        LookupTables f = TestTables.factory(dir);
        Path cf = TestTables.write(dir, "noquery.cf", "dbpath = " + db);
        assertThat(f.check("sqlite:" + cf)).contains(cf.toString()).contains("missing setting \"query\"");
        cf = TestTables.write(dir, "nodb.cf", "query = SELECT 1");
        assertThat(f.check("sqlite:" + cf)).contains("dbpath");
        cf = TestTables.write(dir, "baddb.cf", "dbpath = /nonexistent/x.sqlite", "query = SELECT 1");
        assertThat(f.check("sqlite:" + cf)).contains("line 1").contains("does not exist");
        cf = TestTables.write(dir, "badcode.cf", "dbpath = " + db, "", "query = SELECT '%q'");
        assertThat(f.check("sqlite:" + cf)).contains(cf + ", line 3").contains("%q");
        cf = TestTables.write(dir, "notsetting.cf", "dbpath = " + db, "just words");
        assertThat(f.check("sqlite:" + cf)).contains("line 2").contains("name = value");
    }

    @Test
    void badSqlIsALookupError() throws Exception {
        assertThatLookupFails(open("query = SELECT nosuchcolumn FROM alias WHERE address='%s'"), "joe@example.com");
    }

    static void assertThatLookupFails(LookupTable t, String key) {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> t.find(key)).isInstanceOf(LookupException.class);
    }
}
