package org.postern.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postern.metrics.Metrics;
import org.postern.testing.TestDnsServer;

class DnsResolverTest {

    static TestDnsServer dns;
    static DnsResolver resolver;

    @BeforeAll
    static void start() throws Exception {
        dns = new TestDnsServer();
        dns.add("mail.example.test", "A", "192.0.2.10")
                .add("mail.example.test", "AAAA", "2001:db8::10")
                .add("example.test", "MX", "10 mail.example.test.")
                .add("example.test", "TXT", "\"v=spf1 \" \"mx -all\"")
                .add("nullmx.example.test", "MX", "0 .")
                .add("alias.example.test", "CNAME", "mail.example.test.")
                .add("loop1.example.test", "CNAME", "loop2.example.test.")
                .add("loop2.example.test", "CNAME", "loop1.example.test.")
                .add("10.2.0.192.in-addr.arpa", "PTR", "mail.example.test.")
                .add("big.example.test", "TXT", "\"" + "k".repeat(250) + "\" \"" + "p".repeat(250) + "\" \"" + "q".repeat(200) + "\"")
                .add("deep.sub.example.test", "A", "192.0.2.20")
                .servfail("broken.example.test")
                .drop("silent.example.test");
        resolver = DnsResolver.create(List.of(dns.address()), Duration.ofMillis(300));
    }

    @AfterAll
    static void stop() {
        dns.close();
    }

    @Test
    void tellsFoundNxdomainNodataAndTempfailApart() {
        assertThat(resolver.a("mail.example.test").records()).containsExactly(addr("192.0.2.10"));
        assertThat(resolver.a("nowhere.example.test").status()).isEqualTo(DnsStatus.NXDOMAIN);
        assertThat(resolver.mx("mail.example.test").status()).isEqualTo(DnsStatus.NODATA);
        // An empty non-terminal exists: NODATA, not NXDOMAIN (RFC 8020).
        assertThat(resolver.a("sub.example.test").status()).isEqualTo(DnsStatus.NODATA);
        assertThat(resolver.a("broken.example.test").status()).isEqualTo(DnsStatus.TEMPFAIL);
        assertThat(resolver.a("silent.example.test").status()).isEqualTo(DnsStatus.TEMPFAIL);
    }

    /**
     * Answers must not depend on the JVM's common fork-join pool (one thread on a two-core
     * machine): with every one of its threads blocked, lookups still get their answers.
     */
    @Test
    void answersArriveWhileTheCommonPoolIsBusy() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        int threads = ForkJoinPool.getCommonPoolParallelism();
        CountDownLatch busy = new CountDownLatch(threads);
        List<CompletableFuture<Void>> blockers = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            blockers.add(CompletableFuture.runAsync(() -> {
                busy.countDown();
                try (java.net.ServerSocket never = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                    never.setSoTimeout(100);
                    while (release.getCount() > 0) {
                        try {
                            never.accept().close();   // a blocking socket call, as a busy task would make
                        } catch (java.net.SocketTimeoutException stillBusy) {
                            // keep the thread blocked until released
                        }
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
        }
        try {
            assertThat(busy.await(5, TimeUnit.SECONDS)).isTrue();
            DnsResolver slow = DnsResolver.create(List.of(dns.address()), Duration.ofSeconds(3));
            assertThat(slow.a("deep.sub.example.test").status()).isEqualTo(DnsStatus.FOUND);
        } finally {
            release.countDown();
        }
    }

    @Test
    void mxTxtPtrAndAddresses() {
        assertThat(resolver.mx("example.test").records()).containsExactly(new MxHost(10, "mail.example.test"));
        assertThat(resolver.mx("nullmx.example.test").records().get(0).isNull()).isTrue();
        assertThat(resolver.txt("example.test").records()).containsExactly("v=spf1 mx -all");
        assertThat(resolver.ptr(addr("192.0.2.10")).records()).containsExactly("mail.example.test");
        assertThat(resolver.addresses("mail.example.test").records())
                .containsExactly(addr("192.0.2.10"), addr("2001:db8::10"));
        assertThat(resolver.addresses("nowhere.example.test").status()).isEqualTo(DnsStatus.NXDOMAIN);
    }

    @Test
    void followsCnamesAndStopsOnLoops() {
        assertThat(resolver.a("alias.example.test").records()).containsExactly(addr("192.0.2.10"));
        assertThat(resolver.a("loop1.example.test").status()).isEqualTo(DnsStatus.TEMPFAIL);
    }

    @Test
    void largeAnswersComeOverTcp() {
        assertThat(resolver.txt("big.example.test").records().get(0)).hasSize(700);
    }

    @Test
    void parsesServerAddresses() {
        assertThat(DnsResolver.parseServer("127.0.0.1:5353").getPort()).isEqualTo(5353);
        assertThat(DnsResolver.parseServer("127.0.0.1").getPort()).isEqualTo(53);
        assertThat(DnsResolver.parseServer("[::1]:5353").getAddress()).isEqualTo(addr("::1"));
        assertThat(DnsResolver.parseServer("::1").getPort()).isEqualTo(53);
        assertThatThrownBy(() -> DnsResolver.parseServer("dns.example:53")).hasMessageContaining("use an IP address");
        assertThatThrownBy(() -> DnsResolver.parseServer("127.0.0.1:99999")).hasMessageContaining("port must be");
    }

    // ---- the cache (DnsCache): TTLs, negative answers with and without SOA, failures, size ----

    /** A clock the cache tests move by hand: expiry without waiting. */
    static final class MovableClock implements InstantSource {
        private Instant now = Instant.parse("2026-11-28T06:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    private static final String SOA_DATA = "ns.zone.test. hostmaster.zone.test. 1 3600 600 86400 ";

    /** A resolver with a cache of {@code size} entries on its own DNS server, for one test. */
    private record Cached(TestDnsServer server, DnsResolver resolver, MovableClock clock) implements AutoCloseable {
        static Cached of(int size) throws Exception {
            TestDnsServer server = new TestDnsServer();
            MovableClock clock = new MovableClock();
            return new Cached(server, DnsResolver.create(List.of(server.address()), Duration.ofMillis(300),
                    new DnsCache(size, clock)), clock);
        }

        long asked(String question) {
            return server.queries().stream().filter(question::equals).count();
        }

        @Override
        public void close() {
            server.close();
        }
    }

    @Test
    void positiveAnswerIsKeptForItsTtl() throws Exception {
        try (Cached c = Cached.of(100)) {
            c.server().add("host.zone.test", "A", "192.0.2.1", 60);
            assertThat(c.resolver().a("host.zone.test").records()).containsExactly(addr("192.0.2.1"));
            c.server().clear();
            c.server().add("host.zone.test", "A", "192.0.2.2", 60);
            c.clock().advance(Duration.ofSeconds(59));
            assertThat(c.resolver().a("host.zone.test").records()).as("cached").containsExactly(addr("192.0.2.1"));
            assertThat(c.server().queries()).isEmpty();
            c.clock().advance(Duration.ofSeconds(1));
            assertThat(c.resolver().a("host.zone.test").records()).as("expired").containsExactly(addr("192.0.2.2"));
            assertThat(c.asked("host.zone.test A")).isEqualTo(1);
            // Another type of the same name is another question.
            assertThat(c.resolver().aaaa("host.zone.test").status()).isEqualTo(DnsStatus.NODATA);
            assertThat(c.asked("host.zone.test AAAA")).isEqualTo(1);
        }
    }

    @Test
    void ttlZeroIsNotKept() throws Exception {
        try (Cached c = Cached.of(100)) {
            c.server().add("host.zone.test", "TXT", "\"v=spf1 -all\"", 0);
            c.resolver().txt("host.zone.test");
            c.resolver().txt("host.zone.test");
            assertThat(c.asked("host.zone.test TXT")).isEqualTo(2);
            assertThat(c.resolver().cache().size()).isZero();
        }
    }

    @Test
    void negativeAnswersWithTheZonesSoaAreKeptForTheSmallerOfSoaTtlAndMinimum() throws Exception {
        try (Cached c = Cached.of(100)) {
            // RFC 2308 section 5: min(SOA TTL 120, MINIMUM 30) = 30 seconds.
            c.server().add("zone.test", "SOA", SOA_DATA + "30", 120).add("host.zone.test", "A", "192.0.2.1", 300);
            assertThat(c.resolver().a("missing.zone.test").status()).isEqualTo(DnsStatus.NXDOMAIN);
            assertThat(c.resolver().mx("host.zone.test").status()).isEqualTo(DnsStatus.NODATA);
            c.clock().advance(Duration.ofSeconds(29));
            assertThat(c.resolver().a("missing.zone.test").status()).isEqualTo(DnsStatus.NXDOMAIN);
            assertThat(c.resolver().mx("host.zone.test").status()).isEqualTo(DnsStatus.NODATA);
            assertThat(c.asked("missing.zone.test A")).isEqualTo(1);
            assertThat(c.asked("host.zone.test MX")).isEqualTo(1);
            c.clock().advance(Duration.ofSeconds(1));
            c.resolver().a("missing.zone.test");
            assertThat(c.asked("missing.zone.test A")).isEqualTo(2);
        }
        try (Cached c = Cached.of(100)) {
            // The SOA record's own TTL is the smaller one: min(10, 300) = 10 seconds.
            c.server().add("zone.test", "SOA", SOA_DATA + "300", 10);
            c.resolver().a("missing.zone.test");
            c.clock().advance(Duration.ofSeconds(9));
            c.resolver().a("missing.zone.test");
            assertThat(c.asked("missing.zone.test A")).isEqualTo(1);
            c.clock().advance(Duration.ofSeconds(1));
            c.resolver().a("missing.zone.test");
            assertThat(c.asked("missing.zone.test A")).isEqualTo(2);
        }
    }

    @Test
    void negativeAnswersWithoutSoaAreNotKept() throws Exception {
        try (Cached c = Cached.of(100)) {
            c.server().add("host.zone.test", "A", "192.0.2.1", 300);
            assertThat(c.resolver().a("missing.zone.test").status()).isEqualTo(DnsStatus.NXDOMAIN);
            assertThat(c.resolver().a("missing.zone.test").status()).isEqualTo(DnsStatus.NXDOMAIN);
            assertThat(c.resolver().mx("host.zone.test").status()).isEqualTo(DnsStatus.NODATA);
            assertThat(c.resolver().mx("host.zone.test").status()).isEqualTo(DnsStatus.NODATA);
            assertThat(c.asked("missing.zone.test A")).isEqualTo(2);
            assertThat(c.asked("host.zone.test MX")).isEqualTo(2);
        }
    }

    @Test
    void temporaryFailuresAreNeverKept() throws Exception {
        try (Cached c = Cached.of(100)) {
            c.server().add("zone.test", "SOA", SOA_DATA + "300", 300)
                    .servfail("broken.zone.test").drop("silent.zone.test");
            for (int i = 0; i < 2; i++) {
                assertThat(c.resolver().a("broken.zone.test").status()).isEqualTo(DnsStatus.TEMPFAIL);
                assertThat(c.resolver().a("silent.zone.test").status()).isEqualTo(DnsStatus.TEMPFAIL);
            }
            assertThat(c.asked("broken.zone.test A")).isEqualTo(2);
            assertThat(c.asked("silent.zone.test A")).isGreaterThanOrEqualTo(2);   // dnsjava may retry a lost one
            assertThat(c.resolver().cache().size()).isZero();
            // Once the server answers again, the answer is asked for and then kept.
            c.server().clear();
            c.server().add("broken.zone.test", "A", "192.0.2.9", 300);
            assertThat(c.resolver().a("broken.zone.test").found()).isTrue();
            assertThat(c.resolver().a("broken.zone.test").found()).isTrue();
            assertThat(c.asked("broken.zone.test A")).isEqualTo(1);
        }
    }

    @Test
    void aCnameChainIsKeptForItsSmallestTtl() throws Exception {
        try (Cached c = Cached.of(100)) {
            c.server().add("alias.zone.test", "CNAME", "host.zone.test.", 20).add("host.zone.test", "A", "192.0.2.1", 300);
            assertThat(c.resolver().a("alias.zone.test").records()).containsExactly(addr("192.0.2.1"));
            c.clock().advance(Duration.ofSeconds(19));
            c.resolver().a("alias.zone.test");
            assertThat(c.asked("alias.zone.test A")).isEqualTo(1);
            c.clock().advance(Duration.ofSeconds(1));
            c.resolver().a("alias.zone.test");
            assertThat(c.asked("alias.zone.test A")).isEqualTo(2);
        }
    }

    @Test
    void everyTtlIsCappedAtOneHour() throws Exception {
        try (Cached c = Cached.of(100)) {
            c.server().add("zone.test", "SOA", SOA_DATA + "86400", 86400).add("host.zone.test", "A", "192.0.2.1", 86400);
            c.resolver().a("host.zone.test");
            c.resolver().a("missing.zone.test");
            c.clock().advance(DnsCache.MAX_TTL.minusSeconds(1));
            c.resolver().a("host.zone.test");
            c.resolver().a("missing.zone.test");
            assertThat(c.server().queries()).hasSize(2);
            c.clock().advance(Duration.ofSeconds(1));
            c.resolver().a("host.zone.test");
            c.resolver().a("missing.zone.test");
            assertThat(c.server().queries()).hasSize(4);
        }
    }

    @Test
    void aFullCacheDropsTheLeastRecentlyUsedAnswer() throws Exception {
        try (Cached c = Cached.of(2)) {
            for (String h : List.of("a", "b", "c")) {
                c.server().add(h + ".zone.test", "A", "192.0.2.1", 300);
            }
            c.resolver().a("a.zone.test");
            c.resolver().a("b.zone.test");
            c.resolver().a("a.zone.test");   // a is now the most recently used
            c.resolver().a("c.zone.test");   // makes room by dropping b
            assertThat(c.resolver().cache().size()).isEqualTo(2);
            c.resolver().a("a.zone.test");
            c.resolver().a("c.zone.test");
            assertThat(c.server().queries()).containsExactly("a.zone.test A", "b.zone.test A", "c.zone.test A");
            c.resolver().a("b.zone.test");
            assertThat(c.asked("b.zone.test A")).isEqualTo(2);
        }
    }

    @Test
    void sizeZeroKeepsNothingAndClearForgetsEverything() throws Exception {
        try (Cached off = Cached.of(0); Cached on = Cached.of(10)) {
            off.server().add("host.zone.test", "A", "192.0.2.1", 300);
            off.resolver().a("host.zone.test");
            off.resolver().a("host.zone.test");
            assertThat(off.asked("host.zone.test A")).isEqualTo(2);

            on.server().add("host.zone.test", "A", "192.0.2.1", 300);
            on.resolver().a("host.zone.test");
            on.resolver().cache().clear();
            on.resolver().a("host.zone.test");
            assertThat(on.asked("host.zone.test A")).isEqualTo(2);
        }
        assertThatThrownBy(() -> new DnsCache(-1, InstantSource.system())).hasMessageContaining("0 (no cache) or more");
    }

    @Test
    void cacheHitsAreCountedApartFromQueries() throws Exception {
        try (Cached c = Cached.of(10)) {
            c.server().add("counted.zone.test", "MX", "10 mx.zone.test.", 300);
            long hits = Metrics.DNS_CACHE_HITS.value("MX", "found");
            String exposition = Metrics.exposition();
            c.resolver().mx("counted.zone.test");
            c.resolver().mx("counted.zone.test");
            c.resolver().mx("counted.zone.test");
            assertThat(Metrics.DNS_CACHE_HITS.value("MX", "found") - hits).isEqualTo(2);
            assertThat(c.asked("counted.zone.test MX")).isEqualTo(1);
            assertThat(exposition).contains("# TYPE postern_dns_cache_hits_total counter");
        }
    }

    private static InetAddress addr(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
