package org.postern.policy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.postern.config.ConfigException;
import org.postern.config.Configuration;
import org.postern.config.ParameterSet;
import org.postern.config.RestrictionChecker;
import org.postern.config.TableChecker;
import org.postern.dns.DnsResolver;
import org.postern.lookup.LookupTables;
import org.postern.lookup.TableContext;
import org.postern.store.AccountLookups;
import org.postern.store.StoreException;
import org.postern.testing.TestDnsServer;

/**
 * Builds a {@link PolicyEngine} from a main.cf snippet on top of a small base configuration:
 * example.test is a virtual mailbox domain with bob and alice; tables are in-memory
 * ({@code inline:}) or {@code postern:} backed by {@link #accounts}, which can be made to fail.
 */
final class PolicyFixture implements AutoCloseable {

    static final String BASE = """
            myhostname = mx.example.test
            mydomain = example.test
            mydestination = localhost
            virtual_mailbox_domains = example.test
            virtual_mailbox_maps = inline:{bob@example.test=x, alice@example.test=x}
            virtual_alias_maps =
            smtpd_sender_login_maps =
            relay_domains =
            mynetworks = 127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128
            """;

    final Path dir;
    final TestDnsServer dns;
    final DnsResolver resolver;
    final FakeAccounts accounts = new FakeAccounts();
    final List<Duration> sleeps = new ArrayList<>();

    PolicyFixture() {
        try {
            dir = Files.createTempDirectory("policy-test");
            dns = new TestDnsServer();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        resolver = DnsResolver.create(List.of(dns.address()), Duration.ofMillis(500));
    }

    /** Writes a file into the test's config directory; returns its absolute path. */
    Path file(String name, String text) {
        try {
            Path p = dir.resolve(name);
            Files.writeString(p, text);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    ParameterSet params(String mainCf) {
        try {
            return Configuration.fromText(dir, BASE + mainCf, null, TableChecker.NONE, RestrictionChecker.NONE).main();
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    PolicyEngine engine(String mainCf) {
        LookupTables tables = new LookupTables(new TableContext(dir, () -> accounts));
        return new PolicyEngine(params(mainCf), tables, resolver, sleeps::add);
    }

    @Override
    public void close() {
        dns.close();
    }

    /** An account store that can be switched to failing (database down). */
    static final class FakeAccounts implements AccountLookups {
        final Map<String, List<String>> aliases = new ConcurrentHashMap<>();
        final Map<String, List<String>> logins = new ConcurrentHashMap<>();
        volatile boolean down;

        private void check() throws StoreException {
            if (down) {
                throw new StoreException("database down");
            }
        }

        @Override
        public boolean domainExists(String domain) throws StoreException {
            check();
            return domain.equals("example.test");
        }

        @Override
        public Optional<String> mailboxPath(String address) throws StoreException {
            check();
            return address.equals("bob@example.test") ? Optional.of("example.test/bob/") : Optional.empty();
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
}
