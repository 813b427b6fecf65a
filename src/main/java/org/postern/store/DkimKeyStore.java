package org.postern.store;

import static org.postern.store.Sql.exists;
import static org.postern.store.Sql.update;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * DKIM signing keys per domain and selector (the {@code dkim_keys} table): added as
 * {@code pending}, made {@code active} once their DNS record is published, {@code retired} when
 * replaced. Mail from a domain is signed with each of its active keys. The store keeps keys as
 * text (PEM and base64); it knows nothing of DKIM itself.
 */
public final class DkimKeyStore {

    public static final Set<String> ALGORITHMS = Set.of("rsa-sha256", "ed25519-sha256");
    public static final Set<String> STATES = Set.of(DkimKey.PENDING, DkimKey.ACTIVE, DkimKey.RETIRED);

    private static final String SELECT =
            "SELECT domain, selector, algorithm, private_key, public_key, state, created FROM dkim_keys";

    private final Database database;
    private final InstantSource clock;

    public DkimKeyStore(Database database) {
        this(database, InstantSource.system());
    }

    public DkimKeyStore(Database database, InstantSource clock) {
        this.database = database;
        this.clock = clock;
    }

    /** Adds a key in state {@code pending}; the domain must be a hosted domain. */
    public DkimKey add(String domain, String selector, String algorithm, String privateKeyPem, String publicKey)
            throws StoreException {
        String d = Names.domain(domain);
        String s = selector(selector);
        if (!ALGORITHMS.contains(algorithm)) {
            throw new StoreException("unknown DKIM algorithm '" + algorithm + "': use rsa-sha256 or ed25519-sha256");
        }
        DkimKey key = new DkimKey(d, s, algorithm, privateKeyPem, publicKey, DkimKey.PENDING,
                Instant.ofEpochSecond(clock.instant().getEpochSecond()));
        write("add DKIM key " + s + " for " + d, c -> {
            if (!exists(c, "SELECT 1 FROM domains WHERE name = ?", d)) {
                throw new StoreException("domain " + d + " does not exist: add it first with `postern domain add " + d + "`");
            }
            if (exists(c, "SELECT 1 FROM dkim_keys WHERE domain = ? AND selector = ?", d, s)) {
                throw new StoreException("domain " + d + " already has a DKIM key with selector " + s
                        + "; choose another selector with --selector");
            }
            update(c, "INSERT INTO dkim_keys (domain, selector, algorithm, private_key, public_key, state, created) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?)", d, s, algorithm, privateKeyPem, publicKey, DkimKey.PENDING,
                    key.created().getEpochSecond());
            return null;
        });
        return key;
    }

    /** All keys, by domain and selector. */
    public List<DkimKey> list() throws StoreException {
        return read("list DKIM keys", c -> query(c, SELECT + " ORDER BY domain, selector"));
    }

    /** The keys of one domain, by selector. */
    public List<DkimKey> list(String domain) throws StoreException {
        String d = Names.key(domain);
        return read("list DKIM keys of " + d, c -> query(c, SELECT + " WHERE domain = ? ORDER BY selector", d));
    }

    public Optional<DkimKey> get(String domain, String selector) throws StoreException {
        String d = Names.key(domain);
        String s = Names.key(selector);
        List<DkimKey> rows = read("read DKIM key " + s + " of " + d,
                c -> query(c, SELECT + " WHERE domain = ? AND selector = ?", d, s));
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.getFirst());
    }

    /** The keys outgoing mail from the domain is signed with. */
    public List<DkimKey> active(String domain) throws StoreException {
        String d = Names.key(domain);
        return read("read active DKIM keys of " + d,
                c -> query(c, SELECT + " WHERE domain = ? AND state = ? ORDER BY selector", d, DkimKey.ACTIVE));
    }

    /** Changes a key's state; returns the key as it is now. */
    public DkimKey setState(String domain, String selector, String state) throws StoreException {
        String d = Names.key(domain);
        String s = Names.key(selector);
        if (!STATES.contains(state)) {
            throw new StoreException("unknown DKIM key state '" + state + "': use pending, active or retired");
        }
        write("set DKIM key " + s + " of " + d + " " + state, c -> {
            if (update(c, "UPDATE dkim_keys SET state = ? WHERE domain = ? AND selector = ?", state, d, s) == 0) {
                throw new StoreException("domain " + d + " has no DKIM key with selector " + s
                        + "; see `postern dkim list`");
            }
            return null;
        });
        return get(d, s).orElseThrow();
    }

    /** A selector: one or more DNS labels (RFC 6376 section 3.1), letters, digits, '-' and '_'. */
    static String selector(String input) throws StoreException {
        if (input == null || input.isBlank()) {
            throw new StoreException("no DKIM selector given");
        }
        String s = input.strip().toLowerCase(Locale.ROOT);
        for (String label : s.split("\\.", -1)) {
            if (label.isEmpty() || label.length() > 63 || !label.matches("[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?")) {
                throw new StoreException("invalid DKIM selector '" + input.strip()
                        + "': use DNS labels of letters, digits, '-' and '_', e.g. 2026a or mail");
            }
        }
        return s;
    }

    // ---- JDBC plumbing (Sql) ----

    private <T> T read(String what, Sql.Work<T> work) throws StoreException {
        return Sql.read(database, what, work);
    }

    private <T> T write(String what, Sql.Work<T> work) throws StoreException {
        return Sql.write(database, what, work);
    }

    private static List<DkimKey> query(Connection c, String sql, Object... params) throws SQLException {
        return Sql.query(c, sql, r -> new DkimKey(r.getString(1), r.getString(2), r.getString(3), r.getString(4),
                r.getString(5), r.getString(6), Instant.ofEpochSecond(r.getLong(7))), params);
    }
}
