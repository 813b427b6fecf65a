package org.postern.lookup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.testing.TestPostgres;

/** pgsql: tables against a real PostgreSQL server, configured with Postfix-style .cf files. */
class PgsqlTableTest {

    static TestPostgres pg;
    static String db;

    @TempDir
    Path dir;

    @BeforeAll
    static void createSchema() throws Exception {
        pg = TestPostgres.get();
        db = pg.createDatabase();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(db), pg.user(), "");
             Statement s = c.createStatement()) {
            s.execute("CREATE TABLE alias (address text, goto text, active boolean DEFAULT true)");
            s.execute("INSERT INTO alias (address, goto) VALUES ('joe@example.com', 'joe.real@example.org'),"
                    + " ('list@example.com', 'a@x.example'), ('list@example.com', 'b@y.example'),"
                    + " ('o''neil@example.com', 'quoted@example.org'), ('back\\slash@example.com', 'bs@example.org'),"
                    + " ('example.com', 'domain-row'), ('commas@example.com', 'one,two,three')");
            s.execute("CREATE TABLE domains (domain text, transport text)");
            s.execute("INSERT INTO domains VALUES ('example.com', 'lmtp:unix:private/dovecot-lmtp')");
        }
    }

    private LookupTable open(String... settings) throws Exception {
        String[] lines = new String[settings.length + 3];
        lines[0] = "hosts = 127.0.0.1:" + pg.port();
        lines[1] = "user = " + pg.user();
        lines[2] = "dbname = " + db;
        System.arraycopy(settings, 0, lines, 3, settings.length);
        return TestTables.factory(dir).open("pgsql:" + TestTables.write(dir, "pg.cf", lines));
    }

    @Test
    void fullKeyLookupsFoldQuoteAndJoinRows() throws Exception {
        try (LookupTable t = open("query = SELECT goto FROM alias WHERE address='%s' AND active")) {
            assertThat(t.fixedString()).isTrue();
            assertThat(t.find("Joe@Example.com")).contains("joe.real@example.org");
            assertThat(t.find("list@example.com")).contains("a@x.example,b@y.example");
            assertThat(t.find("o'neil@example.com")).contains("quoted@example.org");
            assertThat(t.find("back\\slash@example.com")).contains("bs@example.org");
            assertThat(t.find("x' OR 'a'='a")).isEmpty();
            assertThat(t.find("x\\' OR 1=1 --")).isEmpty();
            assertThat(t.find("nul\0@example.com")).isEmpty();
            assertThat(t.find("nobody@example.com")).isEmpty();
        }
    }

    @Test
    void localpartAndDomainSubstitutionsAndSuppression() throws Exception {
        try (LookupTable t = open("query = SELECT goto FROM alias WHERE address='%u@%d'")) {
            assertThat(t.find("joe@example.com")).contains("joe.real@example.org");
            assertThat(t.find("example.com")).isEmpty(); // %d with no @: suppressed
        }
        try (LookupTable t = open("query = SELECT transport FROM domains WHERE domain='%2.%1'")) {
            assertThat(t.find("someone@mail.example.com")).contains("lmtp:unix:private/dovecot-lmtp");
            assertThat(t.find("someone@localhost")).isEmpty();
        }
    }

    @Test
    void resultFormatAndDomainRestriction() throws Exception {
        try (LookupTable t = open("query = SELECT goto FROM alias WHERE address='%s'",
                "result_format = relay:[%d] for %U", "domain = example.com, example.net")) {
            assertThat(t.find("joe@example.com")).contains("relay:[example.org] for joe");
            // Bare domains, @domain and unlisted domains are not queried.
            assertThat(t.find("example.com")).isEmpty();
            assertThat(t.find("@example.com")).isEmpty();
            assertThat(t.find("joe@example.org")).isEmpty();
            // "domain-row" has no @, so %d has nothing to use and the value is skipped.
        }
    }

    @Test
    void expansionLimit() throws Exception {
        try (LookupTable t = open("query = SELECT goto FROM alias WHERE address='%s'", "expansion_limit = 1")) {
            assertThat(t.find("joe@example.com")).contains("joe.real@example.org");
            // A single value with commas counts as one.
            assertThat(t.find("commas@example.com")).contains("one,two,three");
            assertThatThrownBy(() -> t.find("list@example.com")).isInstanceOf(LookupException.class)
                    .hasMessageContaining("expansion limit");
        }
    }

    @Test
    void deadServerIsALookupErrorNotAMiss() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        Path cf = TestTables.write(dir, "dead.cf", "hosts = 127.0.0.1:" + deadPort, "user = x", "dbname = x",
                "query = SELECT goto FROM alias WHERE address='%s'");
        LookupTables tables = TestTables.factory(dir);
        // Opening and checking do not connect.
        assertThat(tables.check("pgsql:" + cf)).isNull();
        try (LookupTable t = tables.open("proxy:pgsql:" + cf)) {
            assertThatThrownBy(() -> t.find("joe@example.com")).isInstanceOf(LookupException.class)
                    .hasMessageContaining("pgsql:" + cf);
        }
    }

    @Test
    void secondHostIsTriedWhenTheFirstIsDown() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        Path cf = TestTables.write(dir, "two.cf", "hosts = inet:127.0.0.1:" + deadPort + " 127.0.0.1:" + pg.port(),
                "user = " + pg.user(), "dbname = " + db, "query = SELECT goto FROM alias WHERE address='%s'");
        try (LookupTable t = TestTables.factory(dir).open("pgsql:" + cf)) {
            for (int i = 0; i < 5; i++) {
                assertThat(t.find("joe@example.com")).contains("joe.real@example.org");
            }
        }
    }

    @Test
    void uriAndUnixSocketHosts() throws Exception {
        Path cf = TestTables.write(dir, "uri.cf", "hosts = postgresql://" + pg.user() + "@127.0.0.1:" + pg.port() + "/" + db,
                "dbname = ignored", "query = SELECT goto FROM alias WHERE address='%s'");
        try (LookupTable t = TestTables.factory(dir).open("pgsql:" + cf)) {
            assertThat(t.find("joe@example.com")).contains("joe.real@example.org");
        }
        String socketDir;
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(db), pg.user(), "");
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW unix_socket_directories")) {
            rs.next();
            socketDir = rs.getString(1).split(",")[0].strip();
        }
        org.junit.jupiter.api.Assumptions.assumeFalse(socketDir.isEmpty(), "server has no unix socket");
        cf = TestTables.write(dir, "unix.cf", "hosts = unix:" + socketDir + "/.s.PGSQL." + pg.port(),
                "user = " + pg.user(), "dbname = " + db, "query = SELECT goto FROM alias WHERE address='%s'");
        try (LookupTable t = TestTables.factory(dir).open("pgsql:" + cf)) {
            assertThat(t.find("joe@example.com")).contains("joe.real@example.org");
        }
    }

    @Test
    void configErrorsAreReportedWithoutConnecting() throws Exception {
        LookupTables f = TestTables.factory(dir);
        Path cf = TestTables.write(dir, "nodb.cf", "hosts = 127.0.0.1", "query = SELECT 1");
        assertThat(f.check("pgsql:" + cf)).contains("missing setting \"dbname\"");
        cf = TestTables.write(dir, "noquery.cf", "hosts = 127.0.0.1", "dbname = x");
        assertThat(f.check("pgsql:" + cf)).contains("missing setting \"query\"");
        cf = TestTables.write(dir, "badhost.cf", "hosts = 127.0.0.1:notaport", "dbname = x", "query = SELECT 1");
        assertThat(f.check("pgsql:" + cf)).contains(cf + ", line 1").contains("host:port");
        cf = TestTables.write(dir, "badlimit.cf", "dbname = x", "query = SELECT 1", "expansion_limit = lots");
        assertThat(f.check("pgsql:" + cf)).contains("line 3").contains("expansion_limit");
        assertThat(f.check("pgsql:" + dir.resolve("missing.cf"))).contains("not found");
    }
}
