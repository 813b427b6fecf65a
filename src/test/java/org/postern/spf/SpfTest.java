package org.postern.spf;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.postern.dns.DnsResolver;
import org.postern.dns.DnsResult;
import org.postern.dns.MxHost;
import org.postern.testing.TestDnsServer;

/** check_host() against a loopback DNS server (RFC 7208). */
class SpfTest {

    static TestDnsServer dns;
    static DnsResolver resolver;
    final AtomicInteger queries = new AtomicInteger();
    Spf spf;

    @BeforeAll
    static void startDns() throws Exception {
        dns = new TestDnsServer();
        resolver = DnsResolver.create(List.of(dns.address()), Duration.ofMillis(400));
    }

    @AfterAll
    static void stopDns() {
        dns.close();
    }

    @BeforeEach
    void reset() {
        dns.clear();
        queries.set(0);
        spf = new Spf(counting(SpfDns.of(resolver)), "mx.receiver.test",
                Clock.fixed(Instant.ofEpochSecond(1_700_000_000), ZoneOffset.UTC), Spf.DEFAULT_TIME_LIMIT,
                Spf.DEFAULT_EXPLANATION);
    }

    /** Counts every DNS query the checker makes. */
    SpfDns counting(SpfDns inner) {
        return new SpfDns() {
            public DnsResult<String> txt(String name) { queries.incrementAndGet(); return inner.txt(name); }
            public DnsResult<InetAddress> a(String name) { queries.incrementAndGet(); return inner.a(name); }
            public DnsResult<InetAddress> aaaa(String name) { queries.incrementAndGet(); return inner.aaaa(name); }
            public DnsResult<MxHost> mx(String name) { queries.incrementAndGet(); return inner.mx(name); }
            public DnsResult<String> ptr(InetAddress a) { queries.incrementAndGet(); return inner.ptr(a); }
        };
    }

    static InetAddress ip(String text) {
        try {
            return InetAddress.getByName(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static void spf(String domain, String record) {
        dns.add(domain, "TXT", "\"" + record.replace("\"", "\\\"") + "\"");
    }

    SpfVerdict check(String ip, String domain) {
        return spf.checkHost(ip(ip), domain, "user@" + domain, "helo.example.test");
    }

    SpfResult result(String ip, String domain) {
        return check(ip, domain).result();
    }

    // ---- mechanisms (section 5) ----

    @Test
    void allAndQualifiers() {
        spf("pass.test", "v=spf1 +all");
        spf("fail.test", "v=spf1 -all");
        spf("soft.test", "v=spf1 ~all");
        spf("neutral.test", "v=spf1 ?all");
        spf("default.test", "v=spf1 ip4:192.0.2.99");
        assertThat(result("192.0.2.1", "pass.test")).isEqualTo(SpfResult.PASS);
        assertThat(result("192.0.2.1", "fail.test")).isEqualTo(SpfResult.FAIL);
        assertThat(result("192.0.2.1", "soft.test")).isEqualTo(SpfResult.SOFTFAIL);
        assertThat(result("192.0.2.1", "neutral.test")).isEqualTo(SpfResult.NEUTRAL);
        assertThat(result("192.0.2.1", "default.test")).isEqualTo(SpfResult.NEUTRAL); // 4.7
    }

    @Test
    void ip4AndIp6WithCidr() {
        spf("ip.test", "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 ip4:198.51.100.7 -all");
        assertThat(check("192.0.2.200", "ip.test").mechanism()).isEqualTo("ip4:192.0.2.0/24");
        assertThat(result("198.51.100.7", "ip.test")).isEqualTo(SpfResult.PASS);
        assertThat(result("198.51.100.8", "ip.test")).isEqualTo(SpfResult.FAIL);
        assertThat(result("2001:db8:1::5", "ip.test")).isEqualTo(SpfResult.PASS);
        assertThat(result("2001:db9::5", "ip.test")).isEqualTo(SpfResult.FAIL);
        // an IPv4-mapped IPv6 client is IPv4 (section 5, item 9)
        assertThat(result("::ffff:192.0.2.9", "ip.test")).isEqualTo(SpfResult.PASS);
        assertThat(check("192.0.2.1", "ip.test").lookups()).isZero();
    }

    @Test
    void aMechanismWithDualCidr() {
        dns.add("a.test", "A", "192.0.2.10").add("a.test", "AAAA", "2001:db8::10");
        dns.add("other.a.test", "A", "198.51.100.1");
        spf("a.test", "v=spf1 a a:other.a.test/24//64 -all");
        assertThat(check("192.0.2.10", "a.test").mechanism()).isEqualTo("a");
        assertThat(result("2001:db8::10", "a.test")).isEqualTo(SpfResult.PASS);
        assertThat(check("198.51.100.200", "a.test").mechanism()).isEqualTo("a:other.a.test/24//64");
        assertThat(result("198.51.101.1", "a.test")).isEqualTo(SpfResult.FAIL);
        // /64 applies to AAAA records of other.a.test, which has none
        assertThat(result("2001:db8::11", "a.test")).isEqualTo(SpfResult.FAIL);
    }

    @Test
    void mxMechanism() {
        dns.add("mx.test", "MX", "10 mail1.mx.test.").add("mx.test", "MX", "20 mail2.mx.test.");
        dns.add("mail1.mx.test", "A", "192.0.2.1").add("mail2.mx.test", "A", "192.0.2.2");
        dns.add("nullmx.test", "MX", "0 .");
        spf("mx.test", "v=spf1 mx -all");
        spf("nullmx.test", "v=spf1 mx ?all");
        spf("implicit.test", "v=spf1 mx -all");
        dns.add("implicit.test", "A", "192.0.2.3");
        assertThat(result("192.0.2.2", "mx.test")).isEqualTo(SpfResult.PASS);
        assertThat(result("192.0.2.3", "mx.test")).isEqualTo(SpfResult.FAIL);
        assertThat(result("192.0.2.1", "nullmx.test")).isEqualTo(SpfResult.NEUTRAL);
        // 5.4: no MX records: no implicit MX on the domain's own A record
        assertThat(result("192.0.2.3", "implicit.test")).isEqualTo(SpfResult.FAIL);
    }

    @Test
    void ptrMechanismValidatesNames() {
        dns.add("1.2.0.192.in-addr.arpa", "PTR", "host.ptr.test.");
        dns.add("1.2.0.192.in-addr.arpa", "PTR", "liar.other.test.");
        dns.add("host.ptr.test", "A", "192.0.2.1");
        dns.add("liar.other.test", "A", "198.51.100.1");
        spf("ptr.test", "v=spf1 ptr -all");
        spf("other.test", "v=spf1 ptr -all");
        spf("explicit.test", "v=spf1 ptr:PTR.test -all");
        assertThat(result("192.0.2.1", "ptr.test")).isEqualTo(SpfResult.PASS);
        // liar.other.test does not resolve back to the client: not validated (5.5)
        assertThat(result("192.0.2.1", "other.test")).isEqualTo(SpfResult.FAIL);
        assertThat(result("192.0.2.1", "explicit.test")).isEqualTo(SpfResult.PASS);
        // no PTR at all: no match, never an error
        assertThat(result("192.0.2.77", "ptr.test")).isEqualTo(SpfResult.FAIL);
    }

    @Test
    void existsAsksForAnARecordWhateverTheFamily() {
        dns.add("2001:db8--1.ok.exists.test", "A", "127.0.0.2");
        dns.add("192.0.2.1.ok.exists.test", "A", "127.0.0.2");
        spf("exists.test", "v=spf1 exists:%{i}.ok.%{d} -all");
        spf("exists6.test", "v=spf1 exists:2001:db8--1.ok.exists.test -all");
        assertThat(result("192.0.2.1", "exists.test")).isEqualTo(SpfResult.PASS);
        assertThat(result("192.0.2.2", "exists.test")).isEqualTo(SpfResult.FAIL);
        assertThat(result("2001:db8::1", "exists6.test")).isEqualTo(SpfResult.PASS);
        assertThat(dns.queries()).contains("2001:db8--1.ok.exists.test A");
    }

    // ---- include and redirect (5.2, 6.1) ----

    @Test
    void includeMatchesOnlyOnPass() {
        spf("inner-pass.test", "v=spf1 ip4:192.0.2.1 -all");
        spf("inner-neutral.test", "v=spf1 ?all");
        spf("outer.test", "v=spf1 include:inner-pass.test include:inner-neutral.test -all");
        assertThat(check("192.0.2.1", "outer.test").mechanism()).isEqualTo("include:inner-pass.test");
        // inner fail and neutral: no match, the outer -all decides
        assertThat(result("192.0.2.2", "outer.test")).isEqualTo(SpfResult.FAIL);
        SpfVerdict v = check("192.0.2.1", "outer.test");
        assertThat(v.trace()).anySatisfy(l -> assertThat(l).contains("inner-pass.test: \"v=spf1 ip4:192.0.2.1 -all\""));
    }

    @Test
    void includeOfDomainWithoutRecordIsPermerror() {
        spf("outer.test", "v=spf1 include:norecord.test -all");
        dns.add("norecord.test", "A", "192.0.2.1");
        spf("nx.test", "v=spf1 include:nowhere.test -all");
        assertThat(result("192.0.2.1", "outer.test")).isEqualTo(SpfResult.PERMERROR);
        assertThat(result("192.0.2.1", "nx.test")).isEqualTo(SpfResult.PERMERROR);
    }

    @Test
    void includeErrorsPropagate() {
        dns.servfail("broken.test");
        spf("temp.test", "v=spf1 include:broken.test -all");
        spf("badinner.test", "v=spf1 ip4:300.1.1.1");
        spf("perm.test", "v=spf1 include:badinner.test -all");
        assertThat(result("192.0.2.1", "temp.test")).isEqualTo(SpfResult.TEMPERROR);
        assertThat(result("192.0.2.1", "perm.test")).isEqualTo(SpfResult.PERMERROR);
    }

    @Test
    void redirectReplacesDomainAndIsIgnoredWithAll() {
        dns.add("target.test", "A", "192.0.2.5");
        spf("target.test", "v=spf1 a -all");
        spf("redir.test", "v=spf1 ip4:198.51.100.1 redirect=target.test");
        spf("withall.test", "v=spf1 ?all redirect=target.test");
        spf("tonone.test", "v=spf1 redirect=norecord.test");
        // the "a" in target.test means target.test's address: %{d} changed (6.1)
        assertThat(result("192.0.2.5", "redir.test")).isEqualTo(SpfResult.PASS);
        assertThat(result("198.51.100.1", "redir.test")).isEqualTo(SpfResult.PASS);
        assertThat(result("192.0.2.6", "redir.test")).isEqualTo(SpfResult.FAIL);
        assertThat(result("192.0.2.6", "withall.test")).isEqualTo(SpfResult.NEUTRAL);
        assertThat(result("192.0.2.6", "tonone.test")).isEqualTo(SpfResult.PERMERROR);
    }

    // ---- limits (4.6.4) ----

    @Test
    void tenDnsTermsAllowedEleventhIsPermerror() {
        StringBuilder ten = new StringBuilder("v=spf1");
        for (int i = 0; i < 10; i++) {
            dns.add("h" + i + ".limit.test", "A", "198.51.100." + i);
            ten.append(" a:h").append(i).append(".limit.test");
        }
        spf("ten.test", ten + " ip4:192.0.2.1 -all");
        spf("eleven.test", ten + " a:h0.limit.test ip4:192.0.2.1 -all");
        SpfVerdict v = check("192.0.2.1", "ten.test");
        assertThat(v.result()).isEqualTo(SpfResult.PASS);
        assertThat(v.lookups()).isEqualTo(10);
        assertThat(result("192.0.2.1", "eleven.test")).isEqualTo(SpfResult.PERMERROR);
    }

    @Test
    void includesAndRedirectsShareTheLimit() {
        spf("loop1.test", "v=spf1 include:loop2.test -all");
        spf("loop2.test", "v=spf1 include:loop1.test -all");
        spf("self.test", "v=spf1 redirect=self.test");
        assertThat(result("192.0.2.1", "loop1.test")).isEqualTo(SpfResult.PERMERROR);
        queries.set(0);
        SpfVerdict v = check("192.0.2.1", "self.test");
        assertThat(v.result()).isEqualTo(SpfResult.PERMERROR);
        assertThat(v.mechanism()).contains("more than 10 DNS-querying terms");
        // the 11th term is refused before its query: 1 + 10 TXT lookups
        assertThat(queries.get()).isEqualTo(11);
    }

    @Test
    void voidLookupsOverTwoArePermerror() {
        spf("two.test", "v=spf1 a:nx1.void.test mx:nx2.void.test ?all");
        spf("three.test", "v=spf1 a:nx1.void.test mx:nx2.void.test exists:nx3.void.test ?all");
        assertThat(result("192.0.2.1", "two.test")).isEqualTo(SpfResult.NEUTRAL);
        assertThat(result("192.0.2.1", "three.test")).isEqualTo(SpfResult.PERMERROR);
    }

    @Test
    void moreThanTenMxRecordsIsPermerror() {
        for (int i = 0; i < 11; i++) {
            dns.add("many.test", "MX", i + " mx" + i + ".many.test.");
        }
        dns.add("mx0.many.test", "A", "192.0.2.1");
        spf("many.test", "v=spf1 mx -all");
        assertThat(result("192.0.2.1", "many.test")).isEqualTo(SpfResult.PERMERROR);
    }

    @Test
    void onlyTenPtrNamesAreValidated() {
        for (int i = 0; i < 11; i++) {
            dns.add("1.2.0.192.in-addr.arpa", "PTR", "n" + i + ".ptrs.test.");
        }
        dns.add("n10.ptrs.test", "A", "192.0.2.1");
        spf("ptrs.test", "v=spf1 ptr -all");
        assertThat(result("192.0.2.1", "ptrs.test")).isEqualTo(SpfResult.FAIL);
        // 1 TXT + 1 PTR + 10 A
        assertThat(queries.get()).isEqualTo(12);
    }

    // ---- errors ----

    @Test
    void dnsFailuresAreTemperror() {
        dns.servfail("servfail.test");
        spf("a-fail.test", "v=spf1 a:down.test -all");
        dns.servfail("down.test");
        spf("exists-timeout.test", "v=spf1 exists:silent.test -all");
        dns.drop("silent.test");
        assertThat(result("192.0.2.1", "servfail.test")).isEqualTo(SpfResult.TEMPERROR);
        assertThat(result("192.0.2.1", "a-fail.test")).isEqualTo(SpfResult.TEMPERROR);
        assertThat(result("192.0.2.1", "exists-timeout.test")).isEqualTo(SpfResult.TEMPERROR);
    }

    @Test
    void recordSelection() {
        spf("two.test", "v=spf1 -all");
        spf("two.test", "V=SPF1 +all");
        spf("other.test", "v=spf10 +all");
        spf("other.test", "google-site-verification=abc");
        spf("upper.test", "V=Spf1 ~all");
        dns.add("split.test", "TXT", "\"v=spf1 ip4:\" \"192.0.2.1 -all\"");
        assertThat(result("192.0.2.1", "two.test")).isEqualTo(SpfResult.PERMERROR);   // 4.5
        assertThat(result("192.0.2.1", "other.test")).isEqualTo(SpfResult.NONE);
        assertThat(result("192.0.2.1", "nowhere.test")).isEqualTo(SpfResult.NONE);
        assertThat(result("192.0.2.1", "upper.test")).isEqualTo(SpfResult.SOFTFAIL);
        assertThat(result("192.0.2.1", "split.test")).isEqualTo(SpfResult.PASS);      // 3.3
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "v=spf1 -all moo",                      // unknown mechanism anywhere (4.6)
        "v=spf1 ip4:192.0.2.1 -all exp=a.test exp=b.test",
        "v=spf1 redirect=a.test redirect=b.test",
        "v=spf1 redirect:a.test",
        "v=spf1 1up=foo",
        "v=spf1 =all",
        "v=spf1 -all.",
        "v=spf1 all:x",
        "v=spf1 ip4:1.2.3",
        "v=spf1 ip4:1.2.3.4/33",
        "v=spf1 ip4:1.2.3.4/032",
        "v=spf1 ip4:01.2.3.4",
        "v=spf1 ip4:1.2.3.4//32",
        "v=spf1 ip6:::1/129",
        "v=spf1 ip6::CAFE::BABE",
        "v=spf1 ip6:.: -all",                   // not an address: refused without a system resolver lookup (fuzzing)
        "v=spf1 ip6:1.2.3.4 -all",
        "v=spf1 a/24/64",
        "v=spf1 a:museum",
        "v=spf1 a:abc.123",
        "v=spf1 a:example.-com",
        "v=spf1 a:",
        "v=spf1 include:",
        "v=spf1 include:a.test/24",
        "v=spf1 exists",
        "v=spf1 ptr/0",
        "v=spf1 a:%{x}.test",
        "v=spf1 a:%{d0}.test",
        "v=spf1 exists:%(ir).test",
        "v=spf1 exists:foo%.test",
        "v=spf1 a:%{r}.test -all",              // c, r, t only in explanations (7.2)
        "v=spf1 -all exp=%{t}.test",
        "v=spf1 -all exp=",
        "v=spf1 -all foo=%abc",
    })
    void syntaxErrorsAnywhereArePermerror(String record) {
        spf("bad.test", record);
        assertThat(result("192.0.2.1", "bad.test")).as(record).isEqualTo(SpfResult.PERMERROR);
    }

    @Test
    void controlCharactersAreNotSeparators() {
        // terms are separated by spaces only (4.6.1); a CR inside a term is a syntax error
        dns.add("ctrl.test", "TXT", "\"v=spf1 a:ctrl.test\\013ptr -all\"");
        dns.add("ctrl.test", "A", "192.0.2.1");
        dns.add("nl.test", "TXT", "\"v=spf1 ip4:192.0.2.1\\010 -all\"");
        assertThat(result("192.0.2.1", "ctrl.test")).isEqualTo(SpfResult.PERMERROR);
        assertThat(result("192.0.2.1", "nl.test")).isEqualTo(SpfResult.PERMERROR);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "v=spf1 moo.cow-far_out=man:dog/cat ip4:192.0.2.1 -all",  // unknown modifier: ignored (6)
        "v=spf1  ip4:192.0.2.1   -all ",                         // several spaces, trailing space
        "v=spf1 a:foo:bar/baz.test ip4:192.0.2.1",                // ':' and '/' inside a domain-spec
        "v=spf1 a:foo.example.xn--zckzah ip4:192.0.2.1",          // dash in a top label
        "v=spf1 default=+ ip4:192.0.2.1",
    })
    void validOddRecords(String record) {
        spf("odd.test", record);
        assertThat(result("192.0.2.1", "odd.test")).as(record).isEqualTo(SpfResult.PASS);
    }

    // ---- identities and domain validity (2.3, 2.4, 4.3) ----

    @Test
    void heloAndNullSender() {
        dns.add("mail.helo.test", "A", "192.0.2.1");
        spf("mail.helo.test", "v=spf1 a -all exp=why.helo.test");
        dns.add("why.helo.test", "TXT", "\"%{s} via %{h}\"");
        SpfVerdict helo = spf.checkHelo(ip("192.0.2.2"), "mail.helo.test");
        assertThat(helo.result()).isEqualTo(SpfResult.FAIL);
        assertThat(helo.explanation()).isEqualTo("postmaster@mail.helo.test via mail.helo.test");
        assertThat(spf.checkMailFrom(ip("192.0.2.2"), "", "mail.helo.test").explanation())
                .isEqualTo("postmaster@mail.helo.test via mail.helo.test");
        assertThat(spf.checkMailFrom(ip("192.0.2.1"), null, "mail.helo.test").result()).isEqualTo(SpfResult.PASS);
        // no local-part: "postmaster" (4.3)
        assertThat(spf.checkMailFrom(ip("192.0.2.2"), "@mail.helo.test", "x.test").explanation())
                .isEqualTo("postmaster@mail.helo.test via x.test");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[192.0.2.1]", "192.0.2.1", "localhost", "a..b.test",
        "a123456789012345678901234567890123456789012345678901234567890123.test"})
    void invalidDomainIsNoneWithoutDnsQuery(String helo) {
        SpfVerdict v = spf.checkHelo(ip("192.0.2.1"), helo);
        assertThat(v.result()).isEqualTo(SpfResult.NONE);
        assertThat(queries.get()).isZero();
    }

    // ---- explanation (6.2) ----

    @Test
    void explanationFromExpAndDefaults() {
        spf("exp.test", "v=spf1 -all exp=why.exp.test");
        dns.add("why.exp.test", "TXT", "\"%{i} is not one of %{d}'s designated mail servers.\"");
        spf("two.test", "v=spf1 -all exp=two.why.test");
        dns.add("two.why.test", "TXT", "\"one\"").add("two.why.test", "TXT", "\"two\"");
        spf("nx.test", "v=spf1 -all exp=nowhere.test");
        spf("badmacro.test", "v=spf1 -all exp=bad.why.test");
        dns.add("bad.why.test", "TXT", "\"The %{x}-files\"");
        spf("dnsfail.test", "v=spf1 -all exp=down.why.test");
        dns.servfail("down.why.test");
        assertThat(check("192.0.2.1", "exp.test").explanation())
                .isEqualTo("192.0.2.1 is not one of exp.test's designated mail servers.");
        for (String d : List.of("two.test", "nx.test", "badmacro.test", "dnsfail.test")) {
            SpfVerdict v = check("192.0.2.1", d);
            assertThat(v.result()).as(d).isEqualTo(SpfResult.FAIL);
            assertThat(v.explanation()).as(d).isEqualTo(Spf.DEFAULT_EXPLANATION);
        }
        // softfail and pass carry no explanation
        spf("soft.test", "v=spf1 ~all exp=why.exp.test");
        assertThat(check("192.0.2.1", "soft.test").explanation()).isEmpty();
    }

    @Test
    void explanationComesFromTheRecordThatDecided() {
        dns.add("outer.why.test", "TXT", "\"outer\"").add("inner.why.test", "TXT", "\"inner\"");
        spf("inner.test", "v=spf1 -all exp=inner.why.test");
        spf("outer.test", "v=spf1 include:inner.test -all exp=outer.why.test");
        spf("redir.test", "v=spf1 exp=outer.why.test redirect=inner.test");
        // include: the inner exp= is not used (6.2); redirect: the target's exp= is
        assertThat(check("192.0.2.1", "outer.test").explanation()).isEqualTo("outer");
        assertThat(check("192.0.2.1", "redir.test").explanation()).isEqualTo("inner");
    }

    @Test
    void explanationLookupDoesNotCountAsVoid() {
        spf("e.test", "v=spf1 a:nx1.test a:nx2.test exp=nx3.test -all");
        assertThat(result("192.0.2.1", "e.test")).isEqualTo(SpfResult.FAIL);
    }

    // ---- macros (section 7, examples of 7.4) ----

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "%{s}                              | strong-bad@email.example.com",
        "%{o}                              | email.example.com",
        "%{d}                              | email.example.com",
        "%{d4}                             | email.example.com",
        "%{d3}                             | email.example.com",
        "%{d2}                             | example.com",
        "%{d1}                             | com",
        "%{dr}                             | com.example.email",
        "%{d2r}                            | example.email",
        "%{l}                              | strong-bad",
        "%{l-}                             | strong.bad",
        "%{lr}                             | strong-bad",
        "%{lr-}                            | bad.strong",
        "%{l1r-}                           | strong",
        "%{ir}.%{v}._spf.%{d2}             | 3.2.0.192.in-addr._spf.example.com",
        "%{lr-}.lp._spf.%{d2}              | bad.strong.lp._spf.example.com",
        "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}   | bad.strong.lp.3.2.0.192.in-addr._spf.example.com",
        "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}  | 3.2.0.192.in-addr.strong.lp._spf.example.com",
        "%{d2}.trusted-domains.example.net | example.com.trusted-domains.example.net",
        "%{c} %{i} %{h} %{r} %{t}          | 192.0.2.3 192.0.2.3 mx.example.org mx.receiver.test 1700000000",
        "%{S}                              | strong-bad%40email.example.com",
        "%%%_%-                            | '% %20'",
    })
    void macroExamplesOfSection74(String macro, String expected) {
        assertThat(spf.expandMacros(macro, ip("192.0.2.3"), "email.example.com",
                "strong-bad@email.example.com", "mx.example.org")).isEqualTo(expected);
    }

    @Test
    void ipv6Macros() {
        assertThat(spf.expandMacros("%{ir}.%{v}._spf.%{d2}", ip("2001:db8::cb01"), "email.example.com",
                "strong-bad@email.example.com", "mx.example.org"))
                .isEqualTo("1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
        assertThat(spf.expandMacros("%{c}", ip("2001:db8:0:0:1:0:0:1"), "x.test", "a@x.test", "h"))
                .isEqualTo("2001:db8::1:0:0:1");
    }

    @Test
    void pMacroIsTheValidatedName() {
        dns.add("1.2.0.192.in-addr.arpa", "PTR", "other.test.").add("1.2.0.192.in-addr.arpa", "PTR", "mx.p.test.");
        dns.add("other.test", "A", "192.0.2.1").add("mx.p.test", "A", "192.0.2.1");
        assertThat(spf.expandMacros("%{p}", ip("192.0.2.1"), "p.test", "a@p.test", "h")).isEqualTo("mx.p.test");
        assertThat(spf.expandMacros("%{p}", ip("192.0.2.9"), "p.test", "a@p.test", "h")).isEqualTo("unknown");
    }

    @Test
    void longExpansionIsTruncatedFromTheLeft() {
        String label = "a".repeat(60);
        dns.add("x.test", "A", "192.0.2.1");
        spf("long.test", "v=spf1 exists:" + "%{l}.".repeat(5) + "x.test -all");
        SpfVerdict v = spf.checkHost(ip("192.0.2.1"), "long.test", label + "@long.test", "h.test");
        // 5 * 61 + 6 = 311 characters, one label dropped: 250: labels dropped from the left until <= 253 (7.3)
        assertThat(v.result()).isEqualTo(SpfResult.FAIL);
        assertThat(dns.queries()).contains((label + ".").repeat(4) + "x.test A");
    }
}
