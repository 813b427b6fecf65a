package org.postern.policy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.postern.config.ConfigException;
import org.postern.config.Configuration;
import org.postern.config.RestrictionChecker;
import org.postern.config.TableChecker;
import org.postern.dns.DnsResolver;
import org.postern.lookup.LookupTables;
import org.postern.lookup.TableContext;
import org.postern.testing.Section9;

/**
 * The restriction engine on the configuration of postfix-restrictions.md section 9 (client,
 * helo, sender, relay, recipient and data lists), with in-memory ({@code inline:}) tables so
 * that nothing waits for a database or DNS: a new session, then the RCPT stage (where, with
 * smtpd_delay_reject, the client, helo, sender, relay and recipient lists all run) for a
 * stranger with forward-confirmed reverse DNS sending to a hosted mailbox, which is accepted.
 * SASL is enabled (section 9.2's lab clone) so that reject_sender_login_mismatch is evaluated
 * rather than skipped with a warning.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PolicyBenchmark {

    static final String SECTION_9 = """
            myhostname = mx.example.test
            mydomain = example.test
            mydestination = localhost
            smtpd_sasl_auth_enable = yes
            virtual_mailbox_domains = example.test
            virtual_mailbox_maps = inline:{bob@example.test=example.test/bob/, alice@example.test=example.test/alice/}
            virtual_alias_maps = inline:{postmaster@example.test=alice@example.test}
            smtpd_sender_login_maps = inline:{alice@example.test=alice@example.test, bob@example.test=bob@example.test}
            relay_domains =
            mynetworks = 127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128
            """ + Section9.RESTRICTIONS;

    private DnsResolver dns;
    private PolicyEngine engine;
    private Facts stranger;

    @Setup(Level.Trial)
    public void setUp() throws ConfigException {
        Path dir = Path.of(".");
        LookupTables tables = new LookupTables(new TableContext(dir, () -> {
            throw new IllegalStateException("the benchmark uses no postern: tables");
        }));
        // Nothing in these lists queries DNS for this client and these domains; a resolver that
        // could only fail keeps it that way if that ever changes.
        dns = DnsResolver.create(List.of("127.0.0.1:9"), Duration.ofMillis(100));
        engine = new PolicyEngine(Configuration.fromText(dir, SECTION_9, null, TableChecker.NONE,
                RestrictionChecker.NONE).main(), tables, dns);
        stranger = new Facts().from("carol@example.test").to("bob@example.test");
        Decision check = rcpt();
        if (!check.accepted()) {
            throw new IllegalStateException("the benchmark's transaction is not accepted: " + check);
        }
    }

    @Benchmark
    public Decision rcpt() {
        return engine.newSession().rcpt(stranger);
    }
}
