package org.postern.spf;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.postern.dns.DnsResult;
import org.postern.dns.DnsStatus;
import org.postern.dns.MxHost;

/**
 * SPF evaluation (RFC 7208) of a typical policy: own networks, the domain's A and MX hosts and
 * an include of a mail provider, answered by an in-memory DNS, so the numbers are parsing,
 * macro expansion and matching only. {@code pass} matches in the include; {@code fail} walks
 * every term to {@code -all}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SpfBenchmark {

    private static final Map<String, List<String>> TXT = Map.of(
            "example.net", List.of("v=spf1 ip4:192.0.2.0/26 a mx include:_spf.provider.example -all"),
            "_spf.provider.example", List.of("v=spf1 ip4:198.51.100.0/24 ip6:2001:db8::/32 ~all"));
    private static final Map<String, List<InetAddress>> A = Map.of(
            "example.net", List.of(address("192.0.2.80")),
            "mx1.example.net", List.of(address("192.0.2.81")),
            "mx2.example.net", List.of(address("192.0.2.82")));
    private static final Map<String, List<MxHost>> MX = Map.of(
            "example.net", List.of(new MxHost(10, "mx1.example.net"), new MxHost(20, "mx2.example.net")));

    private Spf spf;
    private InetAddress provider;
    private InetAddress stranger;

    @Setup
    public void setUp() {
        spf = new Spf(new SpfDns() {
            @Override
            public DnsResult<String> txt(String name) {
                return answer(TXT.get(name));
            }

            @Override
            public DnsResult<InetAddress> a(String name) {
                return answer(A.get(name));
            }

            @Override
            public DnsResult<InetAddress> aaaa(String name) {
                return DnsResult.of(DnsStatus.NODATA, "no AAAA");
            }

            @Override
            public DnsResult<MxHost> mx(String name) {
                return answer(MX.get(name));
            }

            @Override
            public DnsResult<String> ptr(InetAddress address) {
                return DnsResult.of(DnsStatus.NXDOMAIN, "NXDOMAIN");
            }
        });
        provider = address("198.51.100.7");
        stranger = address("203.0.113.9");
        if (pass().result() != SpfResult.PASS || fail().result() != SpfResult.FAIL) {
            throw new IllegalStateException("unexpected SPF results: " + pass() + " / " + fail());
        }
    }

    @Benchmark
    public SpfVerdict pass() {
        return spf.checkMailFrom(provider, "alice@example.net", "mail.example.net");
    }

    @Benchmark
    public SpfVerdict fail() {
        return spf.checkMailFrom(stranger, "alice@example.net", "mail.example.net");
    }

    private static <T> DnsResult<T> answer(List<T> records) {
        return records == null ? DnsResult.of(DnsStatus.NXDOMAIN, "NXDOMAIN") : DnsResult.found(records);
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
