package org.postern.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.postern.dns.DnsResult;
import org.postern.dns.DnsStatus;
import org.postern.dns.MxHost;
import org.postern.spf.Spf;
import org.postern.spf.SpfAudit;
import org.postern.spf.SpfDns;
import org.postern.spf.SpfResult;
import org.postern.spf.SpfVerdict;

/**
 * SPF records and macros (RFC 7208 sections 4.6, 5, 6 and 7): the syntax check never throws,
 * and check_host() over records, addresses and names that a hostile DNS zone chose always ends
 * in one of the seven results, within the DNS lookup limits (section 4.6.4), with no exception.
 */
@Tag("fuzz")
class SpfRecordFuzzTest {
    private static final String[] PIECES = {
        "v=spf1", " ", "all", "-all", "~all", "?all", "+", "a", "mx", "ptr", "ip4:", "ip6:", "include:", "exists:",
        "redirect=", "exp=", ":", "/", "//", "24", "64", "192.0.2.1", "2001:db8::1", "::ffff:", "example.com",
        "%{s}", "%{l}", "%{o}", "%{d}", "%{i}", "%{p}", "%{v}", "%{h}", "%{c}", "%{r}", "%{t}", "%{ir}", "%{d2}",
        "%{l1r-}", "%{S}", "%%", "%_", "%-", ".", "_spf.", "org",
    };

    static String record(FuzzedDataProvider data, int maxPieces) {
        StringBuilder sb = new StringBuilder(data.consumeBoolean() ? "v=spf1 " : "");
        int n = data.consumeInt(0, maxPieces);
        for (int i = 0; i < n && data.remainingBytes() > 0; i++) {
            sb.append(data.consumeBoolean() ? data.pickValue(PIECES) : data.consumeString(6));
        }
        return sb.toString();
    }

    @FuzzTest
    void syntax(FuzzedDataProvider data) {
        String text = data.consumeBoolean() ? record(data, 30) : data.consumeRemainingAsString();
        String error = SpfAudit.syntaxError(text);
        if (SpfAudit.isSpfRecord(text) && error == null) {
            SpfAudit.authorisesNothing(text);
        }
    }

    @FuzzTest
    void checkHost(FuzzedDataProvider data) throws UnknownHostException {
        byte[] ip = data.consumeBoolean() ? data.consumeBytes(4) : data.consumeBytes(16);
        InetAddress client = InetAddress.getByAddress(ip.length == 4 || ip.length == 16 ? ip : new byte[4]);
        String sender = data.consumeString(30);
        String helo = data.consumeString(20);
        String main = record(data, 20);
        String other = record(data, 12);
        String explanation = data.consumeString(40);
        DnsStatus otherStatus = data.pickValue(DnsStatus.values());
        String host = data.consumeString(20);
        byte[] hostIp = data.consumeBytes(16);
        FakeDns dns = new FakeDns(main, other, explanation, otherStatus, host, hostIp);
        Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
        Spf spf = new Spf(dns, "mx.example.net", clock, Duration.ofSeconds(20), Spf.DEFAULT_EXPLANATION);
        SpfVerdict v = spf.checkHost(client, "example.com", sender, helo);
        assertThat(v.result()).isNotNull();
        // RFC 7208 section 4.6.4: at most 10 terms that cause DNS queries.
        assertThat(v.lookups()).isLessThanOrEqualTo(Spf.MAX_DNS_TERMS + 1);
        if (v.result() != SpfResult.FAIL) {
            assertThat(v.explanation()).isEmpty();
        }
        spf.checkMailFrom(client, sender, helo);
        spf.checkHelo(client, helo);
    }

    /** A zone: example.com has the first record, every other name the second or a failure. */
    private record FakeDns(String main, String other, String explanation, DnsStatus otherStatus, String host,
                           byte[] hostIp) implements SpfDns {
        @Override
        public DnsResult<String> txt(String name) {
            if (name.equalsIgnoreCase("example.com")) {
                return DnsResult.found(List.of(main));
            }
            if (name.startsWith("exp")) {
                return DnsResult.found(List.of(explanation));
            }
            return otherStatus == DnsStatus.FOUND ? DnsResult.found(List.of(other, "not spf"))
                    : DnsResult.of(otherStatus, "fuzz");
        }

        @Override
        public DnsResult<InetAddress> a(String name) {
            return address(4);
        }

        @Override
        public DnsResult<InetAddress> aaaa(String name) {
            return address(16);
        }

        private DnsResult<InetAddress> address(int length) {
            if (otherStatus != DnsStatus.FOUND || hostIp.length < length) {
                return DnsResult.of(otherStatus == DnsStatus.FOUND ? DnsStatus.NODATA : otherStatus, "fuzz");
            }
            try {
                return DnsResult.found(List.of(InetAddress.getByAddress(java.util.Arrays.copyOf(hostIp, length))));
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public DnsResult<MxHost> mx(String name) {
            return otherStatus == DnsStatus.FOUND ? DnsResult.found(List.of(new MxHost(10, host), new MxHost(0, "")))
                    : DnsResult.of(otherStatus, "fuzz");
        }

        @Override
        public DnsResult<String> ptr(InetAddress address) {
            return otherStatus == DnsStatus.FOUND ? DnsResult.found(List.of(host, "example.com"))
                    : DnsResult.of(otherStatus, "fuzz");
        }
    }
}
