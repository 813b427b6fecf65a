package org.postern.lookup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.postern.store.AccountLookups;
import org.postern.store.StoreException;

/** Shared helpers for lookup tests: a clock tests can move, a fake account store, file writing. */
final class TestTables {

    private TestTables() {
    }

    /** A clock that only moves when told to. */
    static final class MutableClock extends Clock {
        private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advanceSeconds(long s) {
            now = now.plusSeconds(s);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    /** An in-memory account store; {@code failing} makes every call throw. */
    static final class FakeAccounts implements AccountLookups {
        final Map<String, String> mailboxes = new ConcurrentHashMap<>();
        final Map<String, List<String>> aliases = new ConcurrentHashMap<>();
        final Map<String, List<String>> logins = new ConcurrentHashMap<>();
        volatile boolean failing;

        private void check() throws StoreException {
            if (failing) {
                throw new StoreException("database down");
            }
        }

        @Override
        public boolean domainExists(String domain) throws StoreException {
            check();
            return mailboxes.keySet().stream().anyMatch(a -> a.endsWith("@" + domain));
        }

        @Override
        public Optional<String> mailboxPath(String address) throws StoreException {
            check();
            return Optional.ofNullable(mailboxes.get(address));
        }

        @Override
        public List<String> aliasDestinations(String source) throws StoreException {
            check();
            return aliases.getOrDefault(source, List.of());
        }

        @Override
        public List<String> senderLogins(String address) throws StoreException {
            check();
            return logins.getOrDefault(address, List.of());
        }
    }

    static Path write(Path dir, String name, String... lines) throws IOException {
        Path f = dir.resolve(name);
        Files.writeString(f, String.join("\n", lines) + "\n");
        return f;
    }

    static LookupTables factory(Path dir) {
        return new LookupTables(new TableContext(dir, FakeAccounts::new, new MutableClock()));
    }
}
