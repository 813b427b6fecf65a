package org.postern.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postern.testing.TestPostgres;

/** Opening the database: URL forms, SQLite file placement and connection failures. */
class DatabaseTest {

    @TempDir
    Path dir;

    @Test
    void emptyUrlIsSqliteInTheDataDirectory() throws StoreException {
        Path data = dir.resolve("var/lib/postern");
        try (Database db = Database.open("  ", data)) {
            assertThat(db.isPostgres()).isFalse();
            assertThat(new AccountStore(db).listDomains()).isEmpty();
        }
        assertThat(data.resolve("postern.db")).isRegularFile();
    }

    @Test
    void sqliteForms() throws StoreException {
        try (Database db = Database.open("sqlite:sub/a.db", dir)) {
            assertThat(db.isPostgres()).isFalse();
        }
        assertThat(dir.resolve("sub/a.db")).isRegularFile();
        Path absolute = dir.resolve("abs/b.db");
        try (Database db = Database.open("sqlite:" + absolute, Path.of("/nonexistent"))) {
            new AccountStore(db).addDomain("example.org");
        }
        assertThat(absolute).isRegularFile();
        try (Database db = Database.open("jdbc:sqlite:" + absolute, dir)) {
            assertThat(new AccountStore(db).domainExists("example.org")).isTrue();
        }
    }

    @Test
    void sqliteUsesWalAndForeignKeys() throws Exception {
        try (Database db = Database.open("", dir);
             var c = db.dataSource().getConnection();
             var s = c.createStatement()) {
            try (var r = s.executeQuery("PRAGMA journal_mode")) {
                r.next();
                assertThat(r.getString(1)).isEqualToIgnoringCase("wal");
            }
            try (var r = s.executeQuery("PRAGMA foreign_keys")) {
                r.next();
                assertThat(r.getInt(1)).isEqualTo(1);
            }
        }
    }

    @Test
    void postgresForms() throws StoreException {
        TestPostgres pg = TestPostgres.get();
        String name = pg.createDatabase();
        try (Database db = Database.open(pg.databaseUrl(name), dir)) {
            assertThat(db.isPostgres()).isTrue();
            new AccountStore(db).addDomain("example.org");
        }
        String shortScheme = "postgres://" + pg.user() + "@" + pg.host() + ":" + pg.port() + "/" + name
                + "?ApplicationName=postern";
        try (Database db = Database.open(shortScheme, dir)) {
            assertThat(new AccountStore(db).domainExists("example.org")).isTrue();
        }
        try (Database db = Database.open(pg.jdbcUrl(name), dir)) {
            assertThat(db.isPostgres()).isTrue();
            assertThat(new AccountStore(db).domainExists("example.org")).isTrue();
        }
    }

    @Test
    void postgresUrlParts() throws StoreException {
        DatabaseUrl url = DatabaseUrl.parse("postgresql://mail%40admin:p%3Ass+w%2Fd@db.example:6543/postern?sslmode=require", dir);
        assertThat(url.postgres()).isTrue();
        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:6543/postern?sslmode=require");
        assertThat(url.user()).isEqualTo("mail@admin");
        assertThat(url.password()).isEqualTo("p:ss+w/d");
        assertThat(url.toString()).isEqualTo("PostgreSQL at db.example:6543 (database postern, user mail@admin)");

        DatabaseUrl defaults = DatabaseUrl.parse("postgres://db.example/postern", dir);
        assertThat(defaults.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:5432/postern");
        assertThat(defaults.user()).isNull();
        assertThat(defaults.password()).isNull();
    }

    @Test
    void malformedUrlsSayWhichFormsAreValid() {
        for (String bad : new String[] {"mysql://u@h/db", "postgresql://host-only", "postgresql://u:pw@/db",
                "postgresql://u:se cret@h/db", "sqlite:", "/var/lib/postern.db"}) {
            assertThatThrownBy(() -> Database.open(bad, dir)).as(bad)
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("postgresql://user[:password]@host[:port]/dbname")
                    .hasMessageContaining("sqlite:PATH")
                    .hasMessageNotContaining("cret");
        }
    }

    @Test
    void inMemorySqliteIsRefused() {
        assertThatThrownBy(() -> Database.open("jdbc:sqlite::memory:", dir)).hasMessageContaining("name a file instead");
        assertThatThrownBy(() -> Database.open("sqlite::memory:", dir)).hasMessageContaining("name a file instead");
    }

    @Test
    void unreachablePostgresNamesTheHostAndWhatToCheck() throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        String url = "postgresql://postern:hunter2@127.0.0.1:" + port + "/postern";
        assertThatThrownBy(() -> Database.open(url, dir))
                .isInstanceOf(StoreException.class)
                .hasMessageStartingWith("cannot connect to PostgreSQL at 127.0.0.1:" + port + " (database postern, user postern)")
                .hasMessageContaining("refused")
                .hasMessageContaining("check that the server is running")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void jdbcPostgresUrlWithUserInfoIsRefusedWithoutEchoingIt() {
        assertThatThrownBy(() -> Database.open("jdbc:postgresql://u:hunter2@127.0.0.1/x", dir))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("?user=...&password=...")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void missingPostgresDatabaseIsNamed() {
        TestPostgres pg = TestPostgres.get();
        String url = "postgresql://" + pg.user() + ":hunter2@" + pg.host() + ":" + pg.port() + "/no_such_db";
        assertThatThrownBy(() -> Database.open(url, dir))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("PostgreSQL at " + pg.host() + ":" + pg.port() + " (database no_such_db")
                .hasMessageContaining("\"no_such_db\" does not exist")
                .hasMessageContaining("that the database exists")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void unwritableSqliteDirectoryIsReported() throws IOException {
        Path file = Files.createFile(dir.resolve("not-a-dir"));
        assertThatThrownBy(() -> Database.open("sqlite:not-a-dir/x.db", dir))
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("cannot create the directory " + file);
    }
}
