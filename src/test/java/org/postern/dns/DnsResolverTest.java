package org.postern.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
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

    private static InetAddress addr(String s) {
        try {
            return InetAddress.getByName(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
