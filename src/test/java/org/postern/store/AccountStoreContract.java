package org.postern.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postern.store.password.PasswordSchemes;

/**
 * The account store's behaviour, run once per database (see the SQLite and PostgreSQL
 * subclasses), so both give the same answers to the same calls.
 */
abstract class AccountStoreContract {

    private static final Instant T0 = Instant.parse("2026-01-02T03:04:05Z");
    /** Made once by `doveadm pw -s SHA512-CRYPT -p 'correct horse'`. */
    private static final String HASH =
            "{SHA512-CRYPT}$6$mpK37wLQGLAYPFTQ$Kb37iz6YpCGFAAdtjXaSalMRgLp4ik2i8UkeJ/Dg1qJZ3dUVj88.P5CRJxhtv7HSl.hbOtFvgv5yppcug8fh2.";

    protected Database database;
    protected AccountStore store;

    /** A database_url for a new, empty database; the same value may be opened again. */
    protected abstract String newDatabaseUrl();

    protected abstract java.nio.file.Path dataDirectory();

    private String url;

    @BeforeEach
    void open() throws StoreException {
        url = newDatabaseUrl();
        database = Database.open(url, dataDirectory());
        store = new AccountStore(database, () -> T0);
    }

    @AfterEach
    void close() {
        database.close();
    }

    // ---- domains ----

    @Test
    void addAndListDomainsNormalised() throws StoreException {
        store.addDomain("Example.ORG.");
        store.addDomain("b.example");
        store.addMailbox("a@example.org", HASH, 0);
        store.addAlias("x@example.org", "a@example.org");
        store.addAlias("y@example.org", "a@example.org");

        assertThat(store.listDomains()).containsExactly(
                new Domain("b.example", T0, 0, 0),
                new Domain("example.org", T0, 1, 2));
        assertThat(store.domainExists("EXAMPLE.org")).isTrue();
        assertThat(store.domainExists("example.org.")).isTrue();
        assertThat(store.domainExists("example.net")).isFalse();
    }

    @Test
    void duplicateDomainIsRefused() throws StoreException {
        store.addDomain("example.org");
        assertThatThrownBy(() -> store.addDomain("EXAMPLE.org."))
                .isInstanceOf(StoreException.class).hasMessage("domain example.org already exists");
    }

    @Test
    void invalidDomainNamesAreRefused() {
        assertThatThrownBy(() -> store.addDomain("exa mple.org")).hasMessageContaining("invalid domain name 'exa mple.org'")
                .hasMessageContaining("' ' is not allowed");
        assertThatThrownBy(() -> store.addDomain("-a.org")).hasMessageContaining("starts or ends with '-'");
        assertThatThrownBy(() -> store.addDomain("a..org")).hasMessageContaining("empty label");
        assertThatThrownBy(() -> store.addDomain("bücher.example")).hasMessageContaining("xn--");
        assertThatThrownBy(() -> store.addDomain("  ")).hasMessage("no domain name given");
    }

    @Test
    void removeEmptyDomain() throws StoreException {
        store.addDomain("example.org");
        assertThat(store.removeDomain("Example.org", false)).isEqualTo(new Domain("example.org", T0, 0, 0));
        assertThat(store.listDomains()).isEmpty();
        assertThatThrownBy(() -> store.removeDomain("example.org", false))
                .hasMessage("domain example.org does not exist: add it first with `postern domain add example.org`");
    }

    @Test
    void nonEmptyDomainIsRefusedUnlessForced() throws Exception {
        fillTwoDomains();
        assertThatThrownBy(() -> store.removeDomain("example.org", false))
                .isInstanceOf(StoreException.class)
                .hasMessage("domain example.org still has 2 mailboxes, 2 aliases, 1 sender login and 1 DKIM key; "
                        + "remove them first, or use `postern domain remove example.org --force` to remove the "
                        + "domain with all of them");
        assertThat(store.listMailboxes("example.org")).hasSize(2);

        assertThat(store.removeDomain("example.org", true)).isEqualTo(new Domain("example.org", T0, 2, 2));

        assertThat(store.listDomains()).extracting(Domain::name).containsExactly("example.net");
        assertThat(store.listMailboxes()).extracting(Mailbox::address).containsExactly("carol@example.net");
        assertThat(store.listAliases()).containsExactly(new Alias("info@example.net", "carol@example.net"));
        // alice@example.org's permission for example.net went with her mailbox.
        assertThat(store.listSenderLogins()).containsExactly(new SenderLogin("carol@example.net", "@example.net"));
        assertThat(countRows("dkim_keys")).isZero();
    }

    // ---- mailboxes ----

    @Test
    void mailboxNeedsItsDomain() {
        assertThatThrownBy(() -> store.addMailbox("alice@example.org", HASH, 0))
                .hasMessage("domain example.org does not exist: add it first with `postern domain add example.org`");
    }

    @Test
    void addFindAndListMailboxes() throws StoreException {
        store.addDomain("example.org");
        store.addMailbox(" Alice@Example.ORG ", HASH, 1_000_000);
        store.addMailbox("bob@example.org", HASH, 0);

        Mailbox alice = new Mailbox("alice@example.org", "example.org", 1_000_000, true, T0);
        assertThat(store.findMailbox("ALICE@example.org")).contains(alice);
        assertThat(store.findMailbox("nobody@example.org")).isEmpty();
        assertThat(store.listMailboxes("example.org")).extracting(Mailbox::address)
                .containsExactly("alice@example.org", "bob@example.org");
        assertThat(store.passwordHash("alice@EXAMPLE.org")).contains(HASH);
        assertThatThrownBy(() -> store.listMailboxes("example.net")).hasMessageContaining("domain example.net does not exist");
    }

    @Test
    void duplicateMailboxIsRefused() throws StoreException {
        store.addDomain("example.org");
        store.addMailbox("alice@example.org", HASH, 0);
        assertThatThrownBy(() -> store.addMailbox("ALICE@example.org", HASH, 0))
                .isInstanceOf(StoreException.class).hasMessage("mailbox alice@example.org already exists");
    }

    @Test
    void badMailboxInputIsRefused() throws StoreException {
        store.addDomain("example.org");
        assertThatThrownBy(() -> store.addMailbox("alice", HASH, 0)).hasMessageContaining("expected local-part@domain");
        assertThatThrownBy(() -> store.addMailbox("a..b@example.org", HASH, 0)).hasMessageContaining("dot");
        assertThatThrownBy(() -> store.addMailbox("a/b@example.org", HASH, 0)).hasMessageContaining("may not contain '/'");
        assertThatThrownBy(() -> store.addMailbox("alice@example.org", "secret", 0))
                .hasMessageContaining("not in a scheme Postern can verify").hasMessageNotContaining("secret");
        assertThatThrownBy(() -> store.addMailbox("alice@example.org", HASH, -1)).hasMessageContaining("quota");
        assertThat(store.listMailboxes()).isEmpty();
    }

    @Test
    void changeMailbox() throws StoreException {
        store.addDomain("example.org");
        store.addMailbox("alice@example.org", HASH, 0);
        String newHash = PasswordSchemes.hash("SSHA512", "new".toCharArray());
        store.setPassword("Alice@example.org", newHash);
        store.setQuota("alice@example.org", 5);
        store.setEnabled("alice@example.org", false);

        assertThat(store.findMailbox("alice@example.org"))
                .contains(new Mailbox("alice@example.org", "example.org", 5, false, T0));
        assertThat(store.passwordHash("alice@example.org")).as("disabled").isEmpty();
        store.setEnabled("alice@example.org", true);
        assertThat(store.passwordHash("alice@example.org")).contains(newHash);

        assertThatThrownBy(() -> store.setPassword("bob@example.org", HASH)).hasMessage("mailbox bob@example.org does not exist");
        assertThatThrownBy(() -> store.setEnabled("bob@example.org", true)).hasMessage("mailbox bob@example.org does not exist");
    }

    @Test
    void removeMailboxTakesItsSenderLoginsWithIt() throws StoreException {
        store.addDomain("example.org");
        store.addMailbox("alice@example.org", HASH, 0);
        store.addMailbox("bob@example.org", HASH, 0);
        store.addSenderLogin("alice@example.org", "@example.org");
        store.addSenderLogin("bob@example.org", "sales@example.org");

        store.removeMailbox("ALICE@example.org");

        assertThat(store.findMailbox("alice@example.org")).isEmpty();
        assertThat(store.listSenderLogins()).containsExactly(new SenderLogin("bob@example.org", "sales@example.org"));
        assertThatThrownBy(() -> store.removeMailbox("alice@example.org")).hasMessage("mailbox alice@example.org does not exist");
    }

    // ---- aliases ----

    @Test
    void aliases() throws StoreException {
        store.addDomain("example.org");
        store.addDomain("example.net");
        store.addAlias("Info@Example.org", "alice@example.org");
        store.addAlias("info@example.org", "bob@elsewhere.example");
        store.addAlias("@example.org", "postmaster@example.org");
        store.addAlias("x@example.net", "alice@example.org");

        assertThat(store.listAliases("example.org")).containsExactly(
                new Alias("@example.org", "postmaster@example.org"),
                new Alias("info@example.org", "alice@example.org"),
                new Alias("info@example.org", "bob@elsewhere.example"));
        assertThat(store.listAliases()).hasSize(4);

        assertThatThrownBy(() -> store.addAlias("info@example.org", "ALICE@example.org"))
                .hasMessage("alias info@example.org -> alice@example.org already exists");
        assertThatThrownBy(() -> store.addAlias("a@example.com", "alice@example.org"))
                .hasMessageContaining("domain example.com does not exist");
        assertThatThrownBy(() -> store.addAlias("a@example.org", "a@example.org")).hasMessageContaining("to itself");
        assertThatThrownBy(() -> store.addAlias("@", "a@example.org")).hasMessageContaining("no domain after '@'");

        store.removeAlias("info@example.org", "bob@elsewhere.example");
        assertThat(store.aliasDestinations("info@example.org")).containsExactly("alice@example.org");
        assertThatThrownBy(() -> store.removeAlias("info@example.org", "bob@elsewhere.example"))
                .hasMessage("alias info@example.org -> bob@elsewhere.example does not exist");
        store.addAlias("info@example.org", "carol@example.org");
        assertThat(store.removeAlias("INFO@example.org")).isEqualTo(2);
        assertThatThrownBy(() -> store.removeAlias("info@example.org")).hasMessage("alias info@example.org does not exist");
    }

    // ---- sender logins ----

    @Test
    void senderLoginRows() throws StoreException {
        store.addDomain("example.org");
        store.addSenderLogin("Alice@example.org", "Sales@Example.org");
        store.addSenderLogin("alice@example.org", "@example.org");
        store.addSenderLogin("bob@example.org", "sales@example.org");

        assertThat(store.listSenderLogins("alice@example.org")).containsExactly(
                new SenderLogin("alice@example.org", "@example.org"),
                new SenderLogin("alice@example.org", "sales@example.org"));
        assertThatThrownBy(() -> store.addSenderLogin("alice@example.org", "sales@example.org"))
                .hasMessage("login alice@example.org may already send as sales@example.org");
        assertThatThrownBy(() -> store.addSenderLogin("alice@example.org", "x@example.com"))
                .hasMessageContaining("domain example.com does not exist");

        store.removeSenderLogin("alice@example.org", "sales@example.org");
        assertThatThrownBy(() -> store.removeSenderLogin("alice@example.org", "sales@example.org"))
                .hasMessage("login alice@example.org has no permission to send as sales@example.org");
        assertThat(store.listSenderLogins()).containsExactly(
                new SenderLogin("alice@example.org", "@example.org"),
                new SenderLogin("bob@example.org", "sales@example.org"));
    }

    // ---- AccountLookups ----

    @Test
    void mailboxPathOnlyForEnabledMailboxes() throws StoreException {
        store.addDomain("example.org");
        store.addMailbox("alice@example.org", HASH, 0);
        store.addMailbox("bob@example.org", HASH, 0);
        store.setEnabled("bob@example.org", false);

        assertThat(store.mailboxPath("Alice@EXAMPLE.org")).contains("example.org/alice/");
        assertThat(store.mailboxPath("bob@example.org")).isEmpty();
        assertThat(store.mailboxPath("carol@example.org")).isEmpty();
        assertThat(store.mailboxPath("not an address")).isEmpty();
    }

    @Test
    void aliasDestinationsUseTheExactKey() throws StoreException {
        store.addDomain("example.org");
        store.addAlias("@example.org", "catchall@example.org");
        store.addAlias("info@example.org", "b@example.org");
        store.addAlias("info@example.org", "a@example.org");

        assertThat(store.aliasDestinations("INFO@example.org")).containsExactly("a@example.org", "b@example.org");
        assertThat(store.aliasDestinations("@Example.org")).containsExactly("catchall@example.org");
        // The caller does Postfix's search order; no fallback to the catch-all here.
        assertThat(store.aliasDestinations("other@example.org")).isEmpty();
        assertThat(store.aliasDestinations("example.org")).isEmpty();
    }

    @Test
    void senderLoginsIncludeTheMailboxItself() throws StoreException {
        store.addDomain("example.org");
        store.addMailbox("alice@example.org", HASH, 0);
        store.addMailbox("bob@example.org", HASH, 0);
        store.addSenderLogin("bob@example.org", "alice@example.org");
        store.addSenderLogin("carol@example.org", "@example.org");

        assertThat(store.senderLogins("Alice@example.org")).containsExactly("alice@example.org", "bob@example.org");
        assertThat(store.senderLogins("@example.org")).containsExactly("carol@example.org");
        assertThat(store.senderLogins("sales@example.org")).isEmpty();

        store.setEnabled("alice@example.org", false);
        assertThat(store.senderLogins("alice@example.org")).containsExactly("bob@example.org");
        // A permission row for the mailbox's own login is not listed twice.
        store.setEnabled("alice@example.org", true);
        store.addSenderLogin("alice@example.org", "alice@example.org");
        assertThat(store.senderLogins("alice@example.org")).containsExactly("alice@example.org", "bob@example.org");
    }

    // ---- database ----

    @Test
    void reopeningKeepsDataAndDoesNotMigrateAgain() throws Exception {
        store.addDomain("example.org");
        database.close();

        database = Database.open(url, dataDirectory());
        store = new AccountStore(database);
        assertThat(store.domainExists("example.org")).isTrue();
        assertThat(countRows("flyway_schema_history")).isEqualTo(2);   // V1 and V2, each applied once
    }

    @Test
    void concurrentWritersAllSucceed() throws Exception {
        store.addDomain("example.org");
        try (var pool = java.util.concurrent.Executors.newFixedThreadPool(8)) {
            List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
            for (int i = 0; i < 32; i++) {
                String address = "user" + i + "@example.org";
                done.add(pool.submit(() -> {
                    store.addMailbox(address, HASH, 0);
                    store.addSenderLogin(address, "@example.org");
                    return store.senderLogins(address);
                }));
            }
            for (var f : done) {
                f.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
        assertThat(store.listDomains()).containsExactly(new Domain("example.org", T0, 32, 0));
    }

    private void fillTwoDomains() throws Exception {
        store.addDomain("example.org");
        store.addDomain("example.net");
        store.addMailbox("alice@example.org", HASH, 0);
        store.addMailbox("bob@example.org", HASH, 0);
        store.addMailbox("carol@example.net", HASH, 0);
        store.addAlias("info@example.org", "alice@example.org");
        store.addAlias("@example.org", "bob@example.org");
        store.addAlias("info@example.net", "carol@example.net");
        store.addSenderLogin("carol@example.net", "sales@example.org");
        store.addSenderLogin("alice@example.org", "@example.net");
        store.addSenderLogin("carol@example.net", "@example.net");
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO dkim_keys (domain, selector, algorithm, private_key, public_key, state, created) "
                    + "VALUES ('example.org', 'mail', 'ed25519-sha256', 'PEM', 'AAAA', 'active', 0)");
        }
    }

    private long countRows(String table) throws SQLException {
        try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT COUNT(*) FROM " + table)) {
            r.next();
            return r.getLong(1);
        }
    }

    @Test
    void foreignKeysAreEnforcedByTheDatabase() {
        assertThatThrownBy(() -> {
            try (Connection c = database.dataSource().getConnection(); Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO mailboxes (address, domain, password_hash, created) "
                        + "VALUES ('a@nowhere.example', 'nowhere.example', 'x', 0)");
            }
        }).isInstanceOf(SQLException.class);
    }

}
