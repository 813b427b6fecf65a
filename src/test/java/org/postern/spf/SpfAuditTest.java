package org.postern.spf;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postern.dns.DnsResolver;
import org.postern.testing.TestDnsServer;

/** The owner's view of an SPF record: syntax, worst-case lookup count, "authorises nothing". */
class SpfAuditTest {

    static TestDnsServer dns;
    static SpfDns spfDns;

    @BeforeAll
    static void startDns() throws Exception {
        dns = new TestDnsServer();
        spfDns = SpfDns.of(DnsResolver.create(List.of(dns.address()), Duration.ofMillis(400)));
    }

    @AfterAll
    static void stopDns() {
        dns.close();
    }

    @BeforeEach
    void reset() {
        dns.clear();
    }

    @Test
    void countsEveryBranchThroughIncludeAndRedirect() {
        // 4.6.4: include, a, mx, ptr, exists and redirect each cost one; ip4 and all cost nothing.
        dns.add("example.test", "TXT", "\"v=spf1 ip4:192.0.2.0/24 a mx ptr include:inc.example.test redirect=red.example.test\"");
        dns.add("inc.example.test", "TXT", "\"v=spf1 exists:%{i}.bl.example.test ~all\"");
        dns.add("red.example.test", "TXT", "\"v=spf1 a:x.example.test -all\"");
        SpfAudit.LookupCount c = SpfAudit.countLookups(spfDns, "Example.Test.");
        assertThat(c.error()).isEmpty();
        assertThat(c.lookups()).isEqualTo(4 + 1 + 1 + 1); // a mx ptr include redirect + exists + a:x
        assertThat(c.overLimit()).isFalse();
        assertThat(c.trace()).containsExactly(
                "example.test: 5 lookups \"v=spf1 ip4:192.0.2.0/24 a mx ptr include:inc.example.test redirect=red.example.test\"",
                "  inc.example.test: 1 lookup \"v=spf1 exists:%{i}.bl.example.test ~all\"",
                "  red.example.test: 1 lookup \"v=spf1 a:x.example.test -all\"");
    }

    @Test
    void redirectNextToAllCostsNothingAndMacroTargetsAreNotFollowed() {
        // 6.1: redirect is ignored when the record has an all mechanism.
        dns.add("example.test", "TXT", "\"v=spf1 include:%{l}.users.example.test -all redirect=other.example.test\"");
        SpfAudit.LookupCount c = SpfAudit.countLookups(spfDns, "example.test");
        assertThat(c.lookups()).isEqualTo(1);
        assertThat(c.unfollowed()).containsExactly("include:%{l}.users.example.test");
        assertThat(dns.queries()).containsExactly("example.test TXT");
    }

    @Test
    void overTheLimitAndLoops() {
        dns.add("example.test", "TXT", "\"v=spf1 include:example.test -all\"");
        SpfAudit.LookupCount c = SpfAudit.countLookups(spfDns, "example.test");
        assertThat(c.overLimit()).isTrue();
        assertThat(c.error()).isEmpty();
        assertThat(c.trace().getLast()).endsWith("not followed (count already over the limit)");
    }

    @Test
    void brokenIncludesAndTemporaryFailures() {
        dns.add("example.test", "TXT", "\"v=spf1 include:gone.example.test -all\"");
        SpfAudit.LookupCount missing = SpfAudit.countLookups(spfDns, "example.test");
        assertThat(missing.error()).isEqualTo("gone.example.test has no SPF record (RFC 7208 sections 5.2, 6.1)");
        assertThat(missing.temporary()).isFalse();
        dns.servfail("gone.example.test");
        SpfAudit.LookupCount temp = SpfAudit.countLookups(spfDns, "example.test");
        assertThat(temp.temporary()).isTrue();
        assertThat(temp.error()).contains("SERVFAIL");
    }

    @Test
    void syntaxAndAuthorisesNothing() {
        assertThat(SpfAudit.syntaxError("v=spf1 mx -all")).isEmpty();
        assertThat(SpfAudit.syntaxError("v=spf1 mx/33 -all")).contains("CIDR length /33 over 32");
        assertThat(SpfAudit.isSpfRecord("v=spf1")).isTrue();
        assertThat(SpfAudit.isSpfRecord("v=spf10 a")).isFalse();
        assertThat(SpfAudit.authorisesNothing("v=spf1 -all")).isTrue();
        assertThat(SpfAudit.authorisesNothing("v=spf1 ~all")).isFalse();
        assertThat(SpfAudit.authorisesNothing("v=spf1 mx -all")).isFalse();
        assertThat(SpfAudit.authorisesNothing("v=spf1 redirect=x.example.test")).isFalse();
    }
}
