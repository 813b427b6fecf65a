package org.postern.store;

import static org.postern.store.Sql.count;
import static org.postern.store.Sql.exists;
import static org.postern.store.Sql.query;
import static org.postern.store.Sql.update;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.postern.store.password.PasswordSchemes;

/**
 * Postern's built-in accounts: hosted domains, mailboxes, aliases and sender permissions. The
 * admin operations behind the {@code postern domain|mailbox|alias|sender-login} commands,
 * and the read side ({@link AccountLookups}) that mail processing uses.
 *
 * <p>Admin input is validated and normalised to lower case; every refusal is a
 * {@link StoreException} whose message says what is wrong and what to do. Plain JDBC; each
 * change runs in one transaction.
 */
public final class AccountStore implements AccountLookups {

    private final Database database;
    private final InstantSource clock;

    public AccountStore(Database database) {
        this(database, InstantSource.system());
    }

    /** With a clock for the {@code created} times, for tests. */
    public AccountStore(Database database, InstantSource clock) {
        this.database = database;
        this.clock = clock;
    }

    // ---- domains ----

    public void addDomain(String domain) throws StoreException {
        String d = Names.domain(domain);
        write("add domain " + d, c -> {
            if (exists(c, "SELECT 1 FROM domains WHERE name = ?", d)) {
                throw new StoreException("domain " + d + " already exists");
            }
            update(c, "INSERT INTO domains (name, created) VALUES (?, ?)", d, now());
            return null;
        });
    }

    /**
     * Removes a domain. Without {@code force} it must be empty; with it, its mailboxes (and
     * their sender permissions), aliases, sender permissions and DKIM keys go too.
     *
     * @return the domain as it was, with the number of mailboxes and aliases it had
     */
    public Domain removeDomain(String domain, boolean force) throws StoreException {
        String d = Names.domain(domain);
        return write("remove domain " + d, c -> {
            Domain before = findDomain(c, d).orElseThrow(() -> noDomain(d));
            long senders = count(c, "SELECT COUNT(*) FROM sender_logins WHERE domain = ?", d);
            long keys = count(c, "SELECT COUNT(*) FROM dkim_keys WHERE domain = ?", d);
            List<String> contents = new ArrayList<>();
            addCount(contents, before.mailboxes(), "mailbox", "mailboxes");
            addCount(contents, before.aliases(), "alias", "aliases");
            addCount(contents, senders, "sender login", "sender logins");
            addCount(contents, keys, "DKIM key", "DKIM keys");
            if (!contents.isEmpty() && !force) {
                throw new StoreException("domain " + d + " still has " + join(contents)
                        + "; remove them first, or use `postern domain remove " + d
                        + " --force` to remove the domain with all of them");
            }
            update(c, "DELETE FROM sender_logins WHERE domain = ? OR login IN "
                    + "(SELECT address FROM mailboxes WHERE domain = ?)", d, d);
            update(c, "DELETE FROM aliases WHERE domain = ?", d);
            update(c, "DELETE FROM mailboxes WHERE domain = ?", d);
            update(c, "DELETE FROM dkim_keys WHERE domain = ?", d);
            update(c, "DELETE FROM domains WHERE name = ?", d);
            return before;
        });
    }

    public List<Domain> listDomains() throws StoreException {
        return read("list domains", c -> query(c, DOMAIN_SELECT + " ORDER BY d.name", AccountStore::domainRow));
    }

    // ---- mailboxes ----

    /**
     * Adds a mailbox to an existing domain.
     *
     * @param passwordHash a hash in a scheme {@link PasswordSchemes} can verify, with its
     *     {@code {SCHEME}} prefix
     * @param quotaBytes the quota; 0 for unlimited
     */
    public void addMailbox(String address, String passwordHash, long quotaBytes) throws StoreException {
        String a = Names.mailbox(address);
        checkHash(passwordHash);
        checkQuota(quotaBytes);
        String d = Names.domainOf(a);
        write("add mailbox " + a, c -> {
            requireDomain(c, d);
            if (exists(c, "SELECT 1 FROM mailboxes WHERE address = ?", a)) {
                throw new StoreException("mailbox " + a + " already exists");
            }
            update(c, "INSERT INTO mailboxes (address, domain, password_hash, quota_bytes, enabled, created) "
                    + "VALUES (?, ?, ?, ?, TRUE, ?)", a, d, passwordHash, quotaBytes, now());
            return null;
        });
    }

    public void setPassword(String address, String passwordHash) throws StoreException {
        checkHash(passwordHash);
        updateMailbox(address, "set the password of", "UPDATE mailboxes SET password_hash = ? WHERE address = ?",
                passwordHash);
    }

    public void setEnabled(String address, boolean enabled) throws StoreException {
        updateMailbox(address, enabled ? "enable" : "disable", "UPDATE mailboxes SET enabled = ? WHERE address = ?",
                enabled);
    }

    /** Sets the quota in bytes; 0 for unlimited. */
    public void setQuota(String address, long quotaBytes) throws StoreException {
        checkQuota(quotaBytes);
        updateMailbox(address, "set the quota of", "UPDATE mailboxes SET quota_bytes = ? WHERE address = ?",
                quotaBytes);
    }

    /** Removes a mailbox and the sender permissions of its login. Its mail on disk stays. */
    public void removeMailbox(String address) throws StoreException {
        String a = Names.mailbox(address);
        write("remove mailbox " + a, c -> {
            update(c, "DELETE FROM sender_logins WHERE login = ?", a);
            if (update(c, "DELETE FROM mailboxes WHERE address = ?", a) == 0) {
                throw noMailbox(a);
            }
            return null;
        });
    }

    public List<Mailbox> listMailboxes() throws StoreException {
        return read("list mailboxes", c -> query(c, MAILBOX_SELECT + " ORDER BY domain, address",
                AccountStore::mailboxRow));
    }

    /** The mailboxes of one domain, which must exist. */
    public List<Mailbox> listMailboxes(String domain) throws StoreException {
        String d = Names.domain(domain);
        return read("list mailboxes of " + d, c -> {
            requireDomain(c, d);
            return query(c, MAILBOX_SELECT + " WHERE domain = ? ORDER BY address", AccountStore::mailboxRow, d);
        });
    }

    /** A mailbox, enabled or not; empty if there is none with this address. */
    public Optional<Mailbox> findMailbox(String address) throws StoreException {
        String a = Names.key(address);
        return read("find mailbox " + a, c -> first(query(c, MAILBOX_SELECT + " WHERE address = ?",
                AccountStore::mailboxRow, a)));
    }

    /** The stored password hash of an enabled mailbox, for authentication. */
    public Optional<String> passwordHash(String address) throws StoreException {
        String a = Names.key(address);
        return read("look up the password of " + a, c -> first(query(c,
                "SELECT password_hash FROM mailboxes WHERE address = ? AND enabled = TRUE", r -> r.getString(1), a)));
    }

    // ---- aliases ----

    /** Adds one destination to an alias source ({@code user@domain} or {@code @domain}) of a hosted domain. */
    public void addAlias(String source, String destination) throws StoreException {
        String s = Names.addressOrDomain(source, "alias source");
        String t = Names.address(destination, "alias destination");
        if (s.equals(t)) {
            throw new StoreException("alias " + s + " would deliver to itself");
        }
        String d = Names.domainOf(s);
        write("add alias " + s, c -> {
            requireDomain(c, d);
            if (exists(c, "SELECT 1 FROM aliases WHERE source = ? AND destination = ?", s, t)) {
                throw new StoreException("alias " + s + " -> " + t + " already exists");
            }
            update(c, "INSERT INTO aliases (source, destination, domain) VALUES (?, ?, ?)", s, t, d);
            return null;
        });
    }

    /** Removes every destination of an alias source; returns how many there were. */
    public int removeAlias(String source) throws StoreException {
        String s = Names.addressOrDomain(source, "alias source");
        return write("remove alias " + s, c -> {
            int n = update(c, "DELETE FROM aliases WHERE source = ?", s);
            if (n == 0) {
                throw new StoreException("alias " + s + " does not exist");
            }
            return n;
        });
    }

    /** Removes one destination of an alias source. */
    public void removeAlias(String source, String destination) throws StoreException {
        String s = Names.addressOrDomain(source, "alias source");
        String t = Names.address(destination, "alias destination");
        write("remove alias " + s, c -> {
            if (update(c, "DELETE FROM aliases WHERE source = ? AND destination = ?", s, t) == 0) {
                throw new StoreException("alias " + s + " -> " + t + " does not exist");
            }
            return null;
        });
    }

    public List<Alias> listAliases() throws StoreException {
        return read("list aliases", c -> query(c,
                "SELECT source, destination FROM aliases ORDER BY domain, source, destination", AccountStore::aliasRow));
    }

    /** The aliases of one domain, which must exist. */
    public List<Alias> listAliases(String domain) throws StoreException {
        String d = Names.domain(domain);
        return read("list aliases of " + d, c -> {
            requireDomain(c, d);
            return query(c, "SELECT source, destination FROM aliases WHERE domain = ? ORDER BY source, destination",
                    AccountStore::aliasRow, d);
        });
    }

    // ---- sender logins ----

    /**
     * Lets {@code login} (an account's address, as used for SMTP AUTH) send as
     * {@code address} of a hosted domain, or as any address of it when given {@code @domain}.
     */
    public void addSenderLogin(String login, String address) throws StoreException {
        String l = Names.address(login, "login");
        String a = Names.addressOrDomain(address, "sender address");
        String d = Names.domainOf(a);
        write("add sender login " + l, c -> {
            requireDomain(c, d);
            if (exists(c, "SELECT 1 FROM sender_logins WHERE login = ? AND address = ?", l, a)) {
                throw new StoreException("login " + l + " may already send as " + a);
            }
            update(c, "INSERT INTO sender_logins (login, address, domain) VALUES (?, ?, ?)", l, a, d);
            return null;
        });
    }

    public void removeSenderLogin(String login, String address) throws StoreException {
        String l = Names.address(login, "login");
        String a = Names.addressOrDomain(address, "sender address");
        write("remove sender login " + l, c -> {
            if (update(c, "DELETE FROM sender_logins WHERE login = ? AND address = ?", l, a) == 0) {
                throw new StoreException("login " + l + " has no permission to send as " + a);
            }
            return null;
        });
    }

    public List<SenderLogin> listSenderLogins() throws StoreException {
        return read("list sender logins", c -> query(c,
                "SELECT login, address FROM sender_logins ORDER BY login, address", AccountStore::senderRow));
    }

    /** The explicit sender permissions of one login (not the implicit one for its own mailbox). */
    public List<SenderLogin> listSenderLogins(String login) throws StoreException {
        String l = Names.key(login);
        return read("list sender logins of " + l, c -> query(c,
                "SELECT login, address FROM sender_logins WHERE login = ? ORDER BY address", AccountStore::senderRow, l));
    }

    // ---- AccountLookups ----

    @Override
    public boolean domainExists(String domain) throws StoreException {
        String d = Names.key(domain);
        return read("look up domain " + d, c -> exists(c, "SELECT 1 FROM domains WHERE name = ?", d));
    }

    @Override
    public Optional<String> mailboxPath(String address) throws StoreException {
        String a = Names.key(address);
        return read("look up mailbox " + a, c -> first(query(c,
                "SELECT address, domain FROM mailboxes WHERE address = ? AND enabled = TRUE",
                r -> {
                    String found = r.getString(1);
                    return r.getString(2) + "/" + found.substring(0, found.lastIndexOf('@')) + "/";
                }, a)));
    }

    @Override
    public List<String> aliasDestinations(String source) throws StoreException {
        String s = Names.key(source);
        // An enabled mailbox without alias rows is its own alias. Under Postfix's expansion rules
        // (a self-reference is kept and not expanded again) this makes a catch-all "@domain"
        // apply only to addresses that do not exist, which is what a catch-all is meant to be.
        return read("look up alias " + s, c -> {
            List<String> rows = query(c,
                    "SELECT destination FROM aliases WHERE source = ? ORDER BY destination", r -> r.getString(1), s);
            if (rows.isEmpty() && !s.startsWith("@")) {
                return query(c, "SELECT address FROM mailboxes WHERE address = ? AND enabled", r -> r.getString(1), s);
            }
            return rows;
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>The implicit login is granted to enabled mailboxes only: a disabled account may not
     * send as itself. Rows that name the key exactly follow, sorted, without duplicates.
     */
    @Override
    public List<String> senderLogins(String address) throws StoreException {
        String a = Names.key(address);
        return read("look up sender logins of " + a, c -> {
            Set<String> logins = new LinkedHashSet<>();
            // A mailbox owns its own address: its login is the address.
            if (exists(c, "SELECT 1 FROM mailboxes WHERE address = ? AND enabled = TRUE", a)) {
                logins.add(a);
            }
            logins.addAll(query(c, "SELECT login FROM sender_logins WHERE address = ? ORDER BY login",
                    r -> r.getString(1), a));
            return List.copyOf(logins);
        });
    }

    // ---- rows ----

    private static final String DOMAIN_SELECT = "SELECT d.name, d.created, "
            + "(SELECT COUNT(*) FROM mailboxes m WHERE m.domain = d.name), "
            + "(SELECT COUNT(*) FROM aliases a WHERE a.domain = d.name) FROM domains d";
    private static final String MAILBOX_SELECT =
            "SELECT address, domain, quota_bytes, enabled, created FROM mailboxes";

    private static Domain domainRow(ResultSet r) throws SQLException {
        return new Domain(r.getString(1), Instant.ofEpochSecond(r.getLong(2)), r.getInt(3), r.getInt(4));
    }

    private static Mailbox mailboxRow(ResultSet r) throws SQLException {
        return new Mailbox(r.getString(1), r.getString(2), r.getLong(3), r.getBoolean(4),
                Instant.ofEpochSecond(r.getLong(5)));
    }

    private static Alias aliasRow(ResultSet r) throws SQLException {
        return new Alias(r.getString(1), r.getString(2));
    }

    private static SenderLogin senderRow(ResultSet r) throws SQLException {
        return new SenderLogin(r.getString(1), r.getString(2));
    }

    // ---- checks and messages ----

    private Optional<Domain> findDomain(Connection c, String d) throws SQLException {
        return first(query(c, DOMAIN_SELECT + " WHERE d.name = ?", AccountStore::domainRow, d));
    }

    private static void requireDomain(Connection c, String d) throws SQLException, StoreException {
        if (!exists(c, "SELECT 1 FROM domains WHERE name = ?", d)) {
            throw noDomain(d);
        }
    }

    private static StoreException noDomain(String d) {
        return new StoreException("domain " + d + " does not exist: add it first with `postern domain add " + d + "`");
    }

    private static StoreException noMailbox(String a) {
        return new StoreException("mailbox " + a + " does not exist");
    }

    private void updateMailbox(String address, String verb, String sql, Object value) throws StoreException {
        String a = Names.mailbox(address);
        write(verb + " mailbox " + a, c -> {
            if (update(c, sql, value, a) == 0) {
                throw noMailbox(a);
            }
            return null;
        });
    }

    private static void checkHash(String passwordHash) throws StoreException {
        if (passwordHash == null || PasswordSchemes.schemeOf(passwordHash).isEmpty()) {
            throw new StoreException("the password hash is not in a scheme Postern can verify; use {SCHEME}hash "
                    + "with one of " + String.join(", ", PasswordSchemes.supported()));
        }
    }

    private static void checkQuota(long quotaBytes) throws StoreException {
        if (quotaBytes < 0) {
            throw new StoreException("quota must be 0 (unlimited) or a positive number of bytes, not " + quotaBytes);
        }
    }

    private static void addCount(List<String> parts, long n, String one, String many) {
        if (n > 0) {
            parts.add(n + " " + (n == 1 ? one : many));
        }
    }

    private static String join(List<String> parts) {
        if (parts.size() == 1) {
            return parts.getFirst();
        }
        return String.join(", ", parts.subList(0, parts.size() - 1)) + " and " + parts.getLast();
    }

    private long now() {
        return clock.instant().getEpochSecond();
    }

    // ---- JDBC plumbing (Sql) ----

    private <T> T read(String what, Sql.Work<T> work) throws StoreException {
        return Sql.read(database, what, work);
    }

    private <T> T write(String what, Sql.Work<T> work) throws StoreException {
        return Sql.write(database, what, work);
    }

    private static <T> Optional<T> first(List<T> rows) {
        return rows.isEmpty() ? Optional.empty() : Optional.of(rows.getFirst());
    }
}
