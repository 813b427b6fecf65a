package org.postern.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The DKIM key store's behaviour, run on SQLite and on PostgreSQL. */
abstract class DkimKeyStoreContract {

    private static final Instant T0 = Instant.parse("2026-01-02T03:04:05Z");
    private static final String PEM = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n";

    protected Database database;
    protected DkimKeyStore keys;
    protected AccountStore accounts;

    protected abstract String newDatabaseUrl();

    protected abstract Path dataDirectory();

    @BeforeEach
    void open() throws StoreException {
        database = Database.open(newDatabaseUrl(), dataDirectory());
        keys = new DkimKeyStore(database, () -> T0);
        accounts = new AccountStore(database, () -> T0);
        accounts.addDomain("example.org");
        accounts.addDomain("b.example");
    }

    @AfterEach
    void close() {
        database.close();
    }

    @Test
    void addListAndGet() throws StoreException {
        DkimKey k = keys.add("Example.ORG", "Sel1", "rsa-sha256", PEM, "MIIBIjAN");
        assertThat(k).isEqualTo(new DkimKey("example.org", "sel1", "rsa-sha256", PEM, "MIIBIjAN", "pending", T0));
        keys.add("example.org", "ed1", "ed25519-sha256", PEM, "11qYAYKx");
        keys.add("b.example", "x", "rsa-sha256", PEM, "MIIB");
        assertThat(keys.list()).extracting(DkimKey::selector).containsExactly("x", "ed1", "sel1");
        assertThat(keys.list("EXAMPLE.org.")).extracting(DkimKey::selector).containsExactly("ed1", "sel1");
        assertThat(keys.get("example.org", "SEL1")).contains(k);
        assertThat(keys.get("example.org", "nope")).isEmpty();
    }

    @Test
    void statesAndActiveKeys() throws StoreException {
        keys.add("example.org", "a", "rsa-sha256", PEM, "p1");
        keys.add("example.org", "b", "ed25519-sha256", PEM, "p2");
        keys.add("example.org", "c", "rsa-sha256", PEM, "p3");
        assertThat(keys.active("example.org")).isEmpty();
        assertThat(keys.setState("example.org", "a", DkimKey.ACTIVE).active()).isTrue();
        keys.setState("example.org", "b", DkimKey.ACTIVE);
        assertThat(keys.active("example.org")).extracting(DkimKey::selector).containsExactly("a", "b");
        assertThat(keys.setState("example.org", "a", DkimKey.RETIRED).state()).isEqualTo("retired");
        assertThat(keys.active("example.org")).extracting(DkimKey::selector).containsExactly("b");
        assertThatThrownBy(() -> keys.setState("example.org", "zz", DkimKey.ACTIVE)).hasMessageContaining("no DKIM key with selector zz");
        assertThatThrownBy(() -> keys.setState("example.org", "a", "on")).hasMessageContaining("pending, active or retired");
    }

    @Test
    void refusals() throws StoreException {
        assertThatThrownBy(() -> keys.add("nowhere.test", "s", "rsa-sha256", PEM, "p"))
                .hasMessageContaining("postern domain add nowhere.test");
        assertThatThrownBy(() -> keys.add("example.org", "bad selector", "rsa-sha256", PEM, "p"))
                .hasMessageContaining("invalid DKIM selector");
        assertThatThrownBy(() -> keys.add("example.org", "s", "rsa-sha1", PEM, "p"))
                .hasMessageContaining("unknown DKIM algorithm");
        keys.add("example.org", "s", "rsa-sha256", PEM, "p");
        assertThatThrownBy(() -> keys.add("example.org", "s", "rsa-sha256", PEM, "p"))
                .hasMessageContaining("already has a DKIM key with selector s");
        assertThat(keys.add("example.org", "s.2026", "rsa-sha256", PEM, "p").selector()).isEqualTo("s.2026");
    }

    @Test
    void removingTheDomainWithForceRemovesItsKeys() throws StoreException {
        keys.add("example.org", "s", "rsa-sha256", PEM, "p");
        assertThatThrownBy(() -> accounts.removeDomain("example.org", false)).hasMessageContaining("1 DKIM key");
        accounts.removeDomain("example.org", true);
        assertThat(keys.list()).isEmpty();
    }
}
