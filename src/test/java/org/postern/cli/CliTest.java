package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.testing.TestPostgres;
import org.postern.testing.Section9;

/** The command line, run in-process as a user would type it. */
class CliTest {

    @TempDir
    Path dir;

    record Result(int exit, String out, String err) {
    }

    static Result withStdin(String stdin, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        InputStream saved = System.in;
        try {
            System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            int exit = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
            return new Result(exit, out.toString(), err.toString());
        } finally {
            System.setIn(saved);
        }
    }

    static Result run(String... args) {
        return withStdin("", args);
    }

    private Path configDir(String mainCf) throws Exception {
        Path config = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(config.resolve("main.cf"), "data_directory = " + dir.resolve("data") + "\n" + mainCf);
        return config;
    }

    @Test
    void configCheckReportsFileLineTextAndFix() throws Exception {
        Path config = configDir("""
                smtpd_helo_required = perhaps
                smtpd_recipient_restrictions = permit_mynetworks, reject_unknwn_sender_domain,
                    reject_unauth_destination
                smtpd_tmeout = 300s
                """);
        Result r = run("-c", config.toString(), "config", "check");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err())
                .contains(config.resolve("main.cf") + ":2: error: smtpd_helo_required = perhaps")
                .contains("yes or no")
                .contains("reject_unknwn_sender_domain").contains("reject_unknown_sender_domain")
                .contains(":5: error:").contains("did you mean smtpd_timeout");
    }

    @Test
    void configCheckOfAMissingTableNamesIt() throws Exception {
        Path config = configDir("smtpd_client_restrictions = check_client_access hash:/nonexistent/access\n");
        Result r = run("-c", config.toString(), "config", "check");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains(":2: error:").contains("/nonexistent/access");
    }

    @Test
    void configShowLikePostconf() throws Exception {
        Path config = configDir("myhostname = mx.example.test\nmydomain = example.test\n");
        Result explicit = run("-c", config.toString(), "config", "show", "-n");
        assertThat(explicit.exit()).isZero();
        assertThat(explicit.out()).contains("myhostname = mx.example.test\n").doesNotContain("smtpd_timeout");

        Result one = run("-c", config.toString(), "config", "show", "-x", "myorigin");
        assertThat(one.out()).isEqualTo("myorigin = mx.example.test\n");

        Result listener = run("-c", config.toString(), "config", "show", "--listener", "submission",
                "smtpd_client_restrictions");
        assertThat(listener.out()).isEqualTo("smtpd_client_restrictions = permit_sasl_authenticated,reject\n");

        Result unknown = run("-c", config.toString(), "config", "show", "smtpd_tmeout");
        assertThat(unknown.exit()).isEqualTo(1);
        assertThat(unknown.err()).contains("smtpd_tmeout").contains("smtpd_timeout");
    }

    @Test
    void defaultsLoadBackAsAMainCf() throws Exception {
        Result defaults = run("config", "defaults");
        assertThat(defaults.exit()).isZero();
        Path config = Files.createDirectories(dir.resolve("defaults"));
        Files.writeString(config.resolve("main.cf"), defaults.out());
        assertThat(run("-c", config.toString(), "config", "check").exit()).isZero();
    }

    @Test
    void accountsOnSqlite() throws Exception {
        accountLifecycle(configDir(""));
        assertThat(dir.resolve("data/postern.db")).exists();
    }

    @Test
    void accountsOnPostgresql() throws Exception {
        TestPostgres pg = TestPostgres.get();
        Path config = configDir("database_url = " + pg.databaseUrl(pg.createDatabase()) + "\n");
        accountLifecycle(config);
        assertThat(dir.resolve("data/postern.db")).doesNotExist();
    }

    private void accountLifecycle(Path config) {
        String c = config.toString();
        assertThat(run("-c", c, "domain", "add", "Example.ORG").out()).isEqualTo("added domain example.org\n");
        Result noDomain = withStdin("s3cret\n", "-c", c, "user", "add", "bob@elsewhere.test", "--password-stdin");
        assertThat(noDomain.exit()).isEqualTo(1);
        assertThat(noDomain.err()).contains("elsewhere.test").contains("domain add");

        assertThat(withStdin("s3cret\n", "-c", c, "user", "add", "alice@example.org", "--password-stdin", "--quota", "1G").exit())
                .isZero();
        Result users = run("-c", c, "user", "list", "--json");
        assertThat(users.out()).contains("\"address\":\"alice@example.org\"").contains("\"quota_bytes\":1073741824")
                .doesNotContain("ARGON2");
        assertThat(run("-c", c, "map", "query", "postern:mailboxes", "ALICE@example.org").out())
                .isEqualTo("example.org/alice/\n");

        assertThat(run("-c", c, "alias", "add", "postmaster@example.org", "alice@example.org").exit()).isZero();
        assertThat(run("-c", c, "map", "query", "postern:aliases", "postmaster@example.org").out())
                .isEqualTo("alice@example.org\n");
        assertThat(run("-c", c, "sender-login", "add", "alice@example.org", "postmaster@example.org").exit()).isZero();
        assertThat(run("-c", c, "map", "query", "postern:sender_logins", "postmaster@example.org").out())
                .isEqualTo("alice@example.org\n");

        Result refused = run("-c", c, "domain", "remove", "example.org");
        assertThat(refused.exit()).isEqualTo(1);
        assertThat(refused.err()).contains("--force");

        assertThat(run("-c", c, "user", "disable", "alice@example.org").exit()).isZero();
        assertThat(run("-c", c, "map", "query", "postern:mailboxes", "alice@example.org").exit()).isEqualTo(1);
        assertThat(run("-c", c, "user", "enable", "alice@example.org").exit()).isZero();
        assertThat(withStdin("n3w\n", "-c", c, "user", "passwd", "alice@example.org", "--password-stdin").exit()).isZero();

        assertThat(run("-c", c, "domain", "remove", "example.org", "--force").exit()).isZero();
        assertThat(run("-c", c, "domain", "list", "--json").out()).isEqualTo("[]\n");
        assertThat(run("-c", c, "domain", "add", "--json", "example.net").out())
                .isEqualTo("{\"action\":\"added\",\"domain\":\"example.net\"}\n");
    }

    @Test
    void passwordsAreNeverTakenFromArgvAndEmptyOnesAreRefused() throws Exception {
        Path config = configDir("");
        run("-c", config.toString(), "domain", "add", "example.org");
        Result argv = run("-c", config.toString(), "user", "add", "alice@example.org", "--password", "x");
        assertThat(argv.exit()).isEqualTo(2);
        Result empty = withStdin("\n", "-c", config.toString(), "user", "add", "alice@example.org", "--password-stdin");
        assertThat(empty.exit()).isEqualTo(1);
        assertThat(empty.err()).contains("empty");
    }

    @Test
    void mapQueryLikePostmap() throws Exception {
        Path access = dir.resolve("access");
        Files.writeString(access, "# comment\nspammer@bad.example REJECT go away\nBAD.example   DUNNO\n");
        Result hit = run("map", "query", "hash:" + access, "Spammer@bad.example");
        assertThat(hit.exit()).isZero();
        assertThat(hit.out()).isEqualTo("REJECT go away\n");
        assertThat(run("map", "query", "hash:" + access, "nobody@bad.example").exit()).isEqualTo(1);
        Result missing = run("map", "query", "hash:" + dir.resolve("nope"), "x");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.err()).contains("nope");
    }

    /**
     * The configuration of postfix-restrictions.md section 9 (accounts in PostgreSQL, Dovecot
     * over LMTP), with its pgsql .cf files pointing at a real test database.
     */
    @Test
    void section9ConfigurationWithPgsqlTablesPassesTheCheckAndAnswers() throws Exception {
        TestPostgres pg = TestPostgres.get();
        String db = pg.createDatabase();
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(db)); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE domain (domain text PRIMARY KEY, active boolean)");
            s.execute("CREATE TABLE mailbox (username text PRIMARY KEY, domain text, maildir text, active boolean)");
            s.execute("CREATE TABLE alias (address text PRIMARY KEY, goto text, active boolean)");
            s.execute("INSERT INTO domain VALUES ('example.test', true)");
            s.execute("INSERT INTO mailbox VALUES ('alice@example.test', 'example.test', 'example.test/alice/', true)");
            s.execute("INSERT INTO alias VALUES ('postmaster@example.test', 'alice@example.test', true)");
        }
        Path config = Files.createDirectories(dir.resolve("postfix"));
        String connection = "hosts = " + pg.host() + ":" + pg.port() + "\nuser = " + pg.user() + "\npassword = \ndbname = " + db + "\n";
        Files.writeString(config.resolve("virtual_mailbox_domains.cf"),
                connection + "query = SELECT domain FROM domain WHERE domain='%s' AND active\n");
        Files.writeString(config.resolve("virtual_mailbox_maps.cf"),
                connection + "query = SELECT maildir FROM mailbox WHERE username='%s' AND active\n");
        Files.writeString(config.resolve("virtual_alias_maps.cf"),
                connection + "query = SELECT goto FROM alias WHERE address='%s' AND active\n");
        Files.writeString(config.resolve("main.cf"), ("""
                data_directory = %s
                """ + Section9.RESTRICTIONS + """
                virtual_transport = lmtp:unix:private/dovecot-lmtp
                virtual_mailbox_domains = pgsql:%s/virtual_mailbox_domains.cf
                virtual_mailbox_maps = pgsql:%s/virtual_mailbox_maps.cf
                virtual_alias_maps = pgsql:%s/virtual_alias_maps.cf
                mynetworks = 127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128
                inet_interfaces = all
                """).formatted(dir.resolve("data"), config, config, config));

        Result check = run("-c", config.toString(), "config", "check");
        assertThat(check.err()).doesNotContain("error:");
        assertThat(check.exit()).isZero();
        assertThat(check.out()).contains("is valid: 3 listeners");

        assertThat(run("-c", config.toString(), "map", "query", "pgsql:" + config.resolve("virtual_mailbox_maps.cf"),
                "alice@example.test").out()).isEqualTo("example.test/alice/\n");
        assertThat(run("-c", config.toString(), "map", "query", "pgsql:" + config.resolve("virtual_alias_maps.cf"),
                "postmaster@example.test").out()).isEqualTo("alice@example.test\n");
    }
}
