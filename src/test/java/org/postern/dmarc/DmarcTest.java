package org.postern.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.postern.dkim.DkimResult;
import org.postern.spf.SpfResult;

/** Dmarc.evaluate: policy discovery, the DNS Tree Walk, alignment and policy selection (RFC 9989). */
class DmarcTest {

    final MapDns dns = new MapDns();
    final Dmarc dmarc = new Dmarc(dns);

    static SpfCheck spfPass(String domain) {
        return new SpfCheck(SpfResult.PASS, domain);
    }

    static List<DkimCheck> dkimPass(String... domains) {
        return java.util.Arrays.stream(domains).map(d -> new DkimCheck(DkimResult.PASS, d, "s1")).toList();
    }

    @Test
    void passWithAlignedDkimAndSpf() {
        dns.put("_dmarc.example.org", "v=DMARC1; p=reject");
        DmarcVerdict v = dmarc.evaluate("example.org", spfPass("example.org"), dkimPass("example.org"));
        assertThat(v.result()).isEqualTo(DmarcResult.PASS);
        assertThat(v.spfAligned()).isTrue();
        assertThat(v.dkimAligned()).isTrue();
        assertThat(v.policyDomain()).isEqualTo("example.org");
        // Nothing needed the Organizational Domain (own record, identical identifiers): not looked up.
        assertThat(v.organizationalDomain()).isEmpty();
        assertThat(v.disposition()).isEqualTo(DmarcPolicy.NONE);
        assertThat(v.trace()).contains("result: pass");
        assertThat(dns.queries).containsExactly("_dmarc.example.org");
    }

    @Test
    void reportingModeAlsoFindsTheOrganizationalDomainWithTheSameResult() {
        dns.put("_dmarc.example.org", "v=DMARC1; p=reject");
        DmarcVerdict v = new Dmarc(dns, Dmarc.OrganizationalDomain.ALWAYS)
                .evaluate("example.org", spfPass("example.org"), dkimPass("example.org"));
        assertThat(v.result()).isEqualTo(DmarcResult.PASS);
        assertThat(v.organizationalDomain()).isEqualTo("example.org");
        assertThat(dns.queries).containsExactly("_dmarc.example.org", "_dmarc.org");
    }

    @Test
    void reportingModeIgnoresATemporaryFailureOfTheExtraWalk() {
        dns.put("_dmarc.example.org", "v=DMARC1; p=reject");
        dns.servfail("_dmarc.org");
        DmarcVerdict v = new Dmarc(dns, Dmarc.OrganizationalDomain.ALWAYS)
                .evaluate("example.org", spfPass("example.org"), List.of());
        assertThat(v.result()).isEqualTo(DmarcResult.PASS);
        assertThat(v.organizationalDomain()).isEmpty();
    }

    // ---- the tree walk only when the verdict needs it (RFC 9989 sections 4.10.1 and 4.10.2) ----

    @Test
    void ownRecordAndIdenticalIdentifiersCostOneQueryAlsoWhenFailing() {
        dns.put("_dmarc.example.org", "v=DMARC1; p=reject");
        DmarcVerdict v = dmarc.evaluate("example.org", new SpfCheck(SpfResult.FAIL, "example.org"),
                List.of(new DkimCheck(DkimResult.FAIL, "example.org", "s1")));
        assertThat(v.result()).isEqualTo(DmarcResult.FAIL);
        assertThat(v.disposition()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(dns.queries).containsExactly("_dmarc.example.org");
    }

    @Test
    void identifierUnderAnotherTopLevelDomainNeedsNoWalk() {
        // Different last labels can never share an Organizational Domain.
        dns.put("_dmarc.example.org", "v=DMARC1; p=reject");
        DmarcVerdict v = dmarc.evaluate("example.org", spfPass("attacker.example"), dkimPass("attacker.example"));
        assertThat(v.result()).isEqualTo(DmarcResult.FAIL);
        assertThat(dns.queries).containsExactly("_dmarc.example.org");
    }

    @Test
    void strictAlignmentNeedsNoWalk() {
        dns.put("_dmarc.example.org", "v=DMARC1; p=reject; aspf=s; adkim=s");
        DmarcVerdict v = dmarc.evaluate("example.org", spfPass("bounce.example.org"), dkimPass("mail.example.org"));
        assertThat(v.result()).isEqualTo(DmarcResult.FAIL);
        assertThat(dns.queries).containsExactly("_dmarc.example.org");
    }

    @Test
    void relaxedAlignmentOfAnotherDomainStillWalks() {
        dns.put("_dmarc.example.org", "v=DMARC1; p=reject");
        DmarcVerdict v = dmarc.evaluate("example.org", spfPass("bounce.example.org"), List.of());
        assertThat(v.result()).isEqualTo(DmarcResult.PASS);
        assertThat(v.spfAligned()).isTrue();
        assertThat(v.organizationalDomain()).isEqualTo("example.org");
        assertThat(dns.queries).containsExactly("_dmarc.example.org", "_dmarc.org", "_dmarc.bounce.example.org");
        assertThat(v.trace()).contains("spf: pass for bounce.example.org, aligned (relaxed: same organizational domain example.org)");
    }

    @Test
    void relaxedMisalignmentUnderTheSameTopLevelDomainStillWalks() {
        // other.org and example.org share "org": only the walks tell them apart.
        dns.put("_dmarc.example.org", "v=DMARC1; p=reject");
        dns.put("_dmarc.other.org", "v=DMARC1; p=none");
        DmarcVerdict v = dmarc.evaluate("example.org", spfPass("other.org"), List.of());
        assertThat(v.result()).isEqualTo(DmarcResult.FAIL);
        assertThat(v.disposition()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(dns.queries).containsExactly("_dmarc.example.org", "_dmarc.org", "_dmarc.other.org");
    }

    @Test
    void temporaryFailureOfAQueryTheVerdictDoesNotNeedDecidesNothing() {
        // The walk above the Author Domain is not made when its own record applies and the
        // identifiers are identical (RFC 9989 asks for it only for relaxed alignment and for
        // policy discovery without an own record), so its failure cannot make a temperror.
        dns.put("_dmarc.example.org", "v=DMARC1; p=reject");
        dns.servfail("_dmarc.org");
        assertThat(dmarc.evaluate("example.org", spfPass("example.org"), List.of()).result()).isEqualTo(DmarcResult.PASS);
        // When alignment does need the walk, its failure still counts (section 5.3.6).
        assertThat(new Dmarc(dns).evaluate("example.org", spfPass("bounce.example.org"), List.of()).result())
                .isEqualTo(DmarcResult.TEMPERROR);
    }

    @Test
    void failWithoutAlignedIdentifierAppliesP() {
        // Section 5.3.5: no aligned authenticated identifier: fail; section 4.10.1: p of the author's record.
        dns.put("_dmarc.example.org", "v=DMARC1; p=reject");
        DmarcVerdict v = dmarc.evaluate("example.org", spfPass("attacker.example"), dkimPass("attacker.example"));
        assertThat(v.result()).isEqualTo(DmarcResult.FAIL);
        assertThat(v.disposition()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(v.spfAligned()).isFalse();
        assertThat(v.dkimAligned()).isFalse();
        assertThat(v.trace()).contains("spf: pass for attacker.example, not aligned (different organizational domain)");
    }

    @Test
    void failingSpfAndDkimAreNotAuthenticatedIdentifiers() {
        // Section 4.4: only an SPF pass and a validated DKIM signature give identifiers.
        dns.put("_dmarc.example.org", "v=DMARC1; p=quarantine");
        DmarcVerdict v = dmarc.evaluate("example.org", new SpfCheck(SpfResult.SOFTFAIL, "example.org"),
                List.of(new DkimCheck(DkimResult.FAIL, "example.org", "s1")));
        assertThat(v.result()).isEqualTo(DmarcResult.FAIL);
        assertThat(v.disposition()).isEqualTo(DmarcPolicy.QUARANTINE);
    }

    @Test
    void noRecordAnywhereIsNone() {
        // Section 4.10.1: no policy record: "Mail Receivers MUST NOT apply the DMARC mechanism".
        DmarcVerdict v = dmarc.evaluate("mail.example.org", SpfCheck.NONE, List.of());
        assertThat(v.result()).isEqualTo(DmarcResult.NONE);
        assertThat(v.record()).isNull();
        assertThat(v.organizationalDomain()).isEqualTo("mail.example.org"); // section 4.10.2 last rule
        assertThat(dns.queries).containsExactly("_dmarc.mail.example.org", "_dmarc.example.org", "_dmarc.org");
    }

    @Test
    void nonDmarcAndMultipleRecordsAreDiscarded() {
        // Section 4.10 step 2: other TXT records are ignored; several DMARC records are all discarded.
        dns.put("_dmarc.a.example.org", "v=DMARC1; p=reject", "v=DMARC1; p=none");
        dns.put("_dmarc.example.org", "some verification token", "v=DMARC1; p=quarantine");
        DmarcVerdict v = dmarc.evaluate("a.example.org", SpfCheck.NONE, List.of());
        assertThat(v.policyDomain()).isEqualTo("example.org");
        assertThat(v.disposition()).isEqualTo(DmarcPolicy.QUARANTINE);
        assertThat(v.trace()).anyMatch(l -> l.contains("2 DMARC records, all discarded"));
    }

    @Test
    void subdomainUsesOrganizationalDomainRecordAndSp() {
        // Section 4.10.1: a subdomain without its own record gets sp of the Organizational Domain.
        dns.put("_dmarc.example.org", "v=DMARC1; p=none; sp=reject");
        dns.put("mail.example.org", "v=spf1 -all");
        DmarcVerdict v = dmarc.evaluate("mail.example.org", SpfCheck.NONE, List.of());
        assertThat(v.result()).isEqualTo(DmarcResult.FAIL);
        assertThat(v.policyDomain()).isEqualTo("example.org");
        assertThat(v.requestedPolicy()).isEqualTo(DmarcPolicy.REJECT);
        // Without sp, p applies to subdomains.
        dns.put("_dmarc.example.org", "v=DMARC1; p=quarantine");
        assertThat(new Dmarc(dns).evaluate("mail.example.org", SpfCheck.NONE, List.of()).disposition())
                .isEqualTo(DmarcPolicy.QUARANTINE);
    }

    @Test
    void recordOnAnIntermediateSubdomainIsNotThePolicy() {
        // Section 4.10.1: the policy is the Author Domain's or its Organizational Domain's; an
        // intermediate record (psd=u) is walked past, and the one with the fewest labels wins.
        dns.put("_dmarc.b.example.org", "v=DMARC1; p=none");
        dns.put("_dmarc.example.org", "v=DMARC1; p=reject");
        dns.put("a.b.example.org", "exists");
        DmarcVerdict v = dmarc.evaluate("a.b.example.org", SpfCheck.NONE, List.of());
        assertThat(v.organizationalDomain()).isEqualTo("example.org");
        assertThat(v.policyDomain()).isEqualTo("example.org");
        assertThat(v.disposition()).isEqualTo(DmarcPolicy.REJECT);
    }

    @Test
    void psdNMakesAnOrganizationalDomain() {
        // Section 4.10.2 rule 1: psd=n ends the walk; that domain is the Organizational Domain.
        dns.put("_dmarc.dept.example.org", "v=DMARC1; p=quarantine; psd=n");
        dns.put("_dmarc.example.org", "v=DMARC1; p=reject");
        DmarcVerdict v = dmarc.evaluate("x.dept.example.org", spfPass("other.example.org"), List.of());
        assertThat(v.organizationalDomain()).isEqualTo("dept.example.org");
        assertThat(v.policyDomain()).isEqualTo("dept.example.org");
        // other.example.org's Organizational Domain is example.org: not aligned with dept.example.org.
        assertThat(v.spfAligned()).isFalse();
        assertThat(v.disposition()).isEqualTo(DmarcPolicy.QUARANTINE);
        assertThat(v.trace()).contains("organizational domain of x.dept.example.org: dept.example.org"
                + " (_dmarc.dept.example.org has psd=n)");
    }

    @Test
    void psdYGivesTheDomainOneLabelBelowAndItsPolicyForNonExistentDomains() {
        // Section 4.10.2 rule 2 and section 4.10.1: a PSD record (psd=y) applies when the
        // Organizational Domain has none; np applies to a non-existent Author Domain (section 4.7).
        dns.put("_dmarc.test", "v=DMARC1; p=none; sp=quarantine; np=reject; psd=y");
        dns.put("example.test", "v=spf1 -all");
        DmarcVerdict existing = dmarc.evaluate("example.test", SpfCheck.NONE, List.of());
        assertThat(existing.organizationalDomain()).isEqualTo("example.test");
        assertThat(existing.policyDomain()).isEqualTo("test");
        assertThat(existing.requestedPolicy()).isEqualTo(DmarcPolicy.QUARANTINE);

        DmarcVerdict missing = new Dmarc(dns).evaluate("nosuch.test", SpfCheck.NONE, List.of());
        assertThat(missing.result()).isEqualTo(DmarcResult.FAIL);
        assertThat(missing.organizationalDomain()).isEqualTo("nosuch.test");
        assertThat(missing.disposition()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(missing.trace()).anyMatch(l -> l.contains("NXDOMAIN, does not exist"));
    }

    @Test
    void psdYOneLabelBelowFromADeepName() {
        // Section 4.10.2 example: only _dmarc.com with psd=y -> Organizational Domain example.com.
        dns.put("_dmarc.com", "v=DMARC1; p=reject; psd=y");
        DmarcVerdict v = dmarc.evaluate("a.mail.example.com", spfPass("bounce.example.com"), List.of());
        assertThat(v.organizationalDomain()).isEqualTo("example.com");
        assertThat(v.result()).isEqualTo(DmarcResult.PASS); // bounce.example.com: same Organizational Domain
        assertThat(v.policyDomain()).isEqualTo("com");
    }

    @Test
    void npForNonExistentSubdomainOfAnOrganizationalDomain() {
        dns.put("_dmarc.example.org", "v=DMARC1; p=none; np=reject");
        dns.put("www.example.org", "something");
        assertThat(dmarc.evaluate("ghost.example.org", SpfCheck.NONE, List.of()).disposition()).isEqualTo(DmarcPolicy.REJECT);
        // An existing subdomain: np does not apply; no sp, so p.
        assertThat(new Dmarc(dns).evaluate("www.example.org", SpfCheck.NONE, List.of()).disposition())
                .isEqualTo(DmarcPolicy.NONE);
        // np does not apply to the domain itself either.
        assertThat(new Dmarc(dns).evaluate("example.org", SpfCheck.NONE, List.of()).disposition())
                .isEqualTo(DmarcPolicy.NONE);
    }

    @Test
    void testingModeLowersThePolicyOneLevel() {
        // Section 4.7, tag t=y: quarantine -> none, reject -> quarantine.
        dns.put("_dmarc.example.org", "v=DMARC1; p=quarantine; t=y");
        DmarcVerdict v = dmarc.evaluate("example.org", SpfCheck.NONE, List.of());
        assertThat(v.result()).isEqualTo(DmarcResult.FAIL);
        assertThat(v.requestedPolicy()).isEqualTo(DmarcPolicy.QUARANTINE);
        assertThat(v.disposition()).isEqualTo(DmarcPolicy.NONE);
        assertThat(v.testingApplied()).isTrue();
        dns.put("_dmarc.example.org", "v=DMARC1; p=reject; t=y");
        assertThat(new Dmarc(dns).evaluate("example.org", SpfCheck.NONE, List.of()).disposition())
                .isEqualTo(DmarcPolicy.QUARANTINE);
    }

    @Test
    void strictAndRelaxedAlignment() {
        // Sections 3.2.7 and 4.10.2: relaxed = same Organizational Domain, strict = identical.
        dns.put("_dmarc.example.org", "v=DMARC1; p=reject");
        assertThat(dmarc.evaluate("example.org", spfPass("bounce.example.org"), List.of()).result())
                .isEqualTo(DmarcResult.PASS);
        assertThat(dmarc.evaluate("news.example.org", SpfCheck.NONE, dkimPass("foo.example.org")).result()).isEqualTo(DmarcResult.PASS);

        dns.put("_dmarc.example.org", "v=DMARC1; p=reject; aspf=s; adkim=s");
        Dmarc strict = new Dmarc(dns);
        assertThat(strict.evaluate("example.org", spfPass("bounce.example.org"), dkimPass("mail.example.org")).result())
                .isEqualTo(DmarcResult.FAIL);
        DmarcVerdict ok = strict.evaluate("example.org", spfPass("EXAMPLE.ORG."), List.of());
        assertThat(ok.result()).isEqualTo(DmarcResult.PASS);
        assertThat(ok.spfAligned()).isTrue();
    }

    @Test
    void oneAlignedSignatureAmongSeveralIsEnough() {
        // Section 4.4.1: "it is considered to produce a DMARC pass result if any DKIM-Authenticated Identifier aligns".
        dns.put("_dmarc.example.org", "v=DMARC1; p=reject");
        List<DkimCheck> sigs = List.of(new DkimCheck(DkimResult.PASS, "esp.example", "a"),
                new DkimCheck(DkimResult.FAIL, "example.org", "b"), new DkimCheck(DkimResult.PASS, "example.org", "c"));
        DmarcVerdict v = dmarc.evaluate("example.org", SpfCheck.NONE, sigs);
        assertThat(v.result()).isEqualTo(DmarcResult.PASS);
        assertThat(v.dkimAligned()).isTrue();
        assertThat(v.spfAligned()).isFalse();
    }

    @Test
    void longNamesTakeTheShortcut() {
        // Section 4.10 example: eight queries at most; after the first, seven labels remain.
        DmarcVerdict v = dmarc.evaluate("a.b.c.d.e.f.g.h.i.j.mail.example.com", SpfCheck.NONE, List.of());
        assertThat(v.result()).isEqualTo(DmarcResult.NONE);
        assertThat(dns.queries).containsExactly("_dmarc.a.b.c.d.e.f.g.h.i.j.mail.example.com",
                "_dmarc.g.h.i.j.mail.example.com", "_dmarc.h.i.j.mail.example.com", "_dmarc.i.j.mail.example.com",
                "_dmarc.j.mail.example.com", "_dmarc.mail.example.com", "_dmarc.example.com", "_dmarc.com");
    }

    @Test
    void longNameSkipsAZoneCutRecordBelowSevenLabels() {
        // Section 5.1 (decentralized DNS): a psd=n record at 8 labels is never found for a 9-label author.
        dns.put("_dmarc.b.c.d.e.f.g.example.com", "v=DMARC1; p=none; psd=n");
        dns.put("_dmarc.example.com", "v=DMARC1; p=reject");
        DmarcVerdict v = dmarc.evaluate("mail.a.b.c.d.e.f.g.example.com", SpfCheck.NONE, List.of());
        assertThat(v.policyDomain()).isEqualTo("example.com");
        assertThat(v.disposition()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(dns.queries).doesNotContain("_dmarc.b.c.d.e.f.g.example.com");
    }

    @Test
    void temporaryFailureOfThePolicyQueryIsTemperror() {
        dns.servfail("_dmarc.example.org");
        DmarcVerdict v = dmarc.evaluate("example.org", spfPass("example.org"), List.of());
        assertThat(v.result()).isEqualTo(DmarcResult.TEMPERROR);
        assertThat(v.disposition()).isEqualTo(DmarcPolicy.NONE);
    }

    @Test
    void temporaryFailureDuringTheWalkIsTemperror() {
        dns.servfail("_dmarc.example.org");
        assertThat(dmarc.evaluate("mail.example.org", SpfCheck.NONE, List.of()).result()).isEqualTo(DmarcResult.TEMPERROR);
    }

    @Test
    void temporaryFailureOnlyMattersWhenNothingElseAligns() {
        // Section 5.3.6: a DNS failure leaves the message neither pass nor fail, unless an identifier aligns anyway.
        dns.put("_dmarc.example.org", "v=DMARC1; p=reject");
        dns.servfail("_dmarc.bounce.example.org");
        assertThat(dmarc.evaluate("example.org", spfPass("bounce.example.org"), List.of()).result())
                .isEqualTo(DmarcResult.TEMPERROR);
        assertThat(new Dmarc(dns).evaluate("example.org", spfPass("bounce.example.org"), dkimPass("example.org")).result())
                .isEqualTo(DmarcResult.PASS);
    }

    @Test
    void unusableAuthorRecordMeansNoDmarcProcessing() {
        // Section 4.10.1: invalid p and no rua: "the Mail Receiver applies no DMARC processing".
        dns.put("_dmarc.example.org", "v=DMARC1; p=bogus");
        DmarcVerdict v = dmarc.evaluate("example.org", SpfCheck.NONE, List.of());
        assertThat(v.result()).isEqualTo(DmarcResult.NONE);
        assertThat(v.trace()).anyMatch(l -> l.contains("p=bogus"));
    }

    @Test
    void uLabelsAreConvertedAndBadNamesArePermerror() {
        // Section 5.3.1: a U-label is converted to an A-label.
        dns.put("_dmarc.xn--bcher-kva.example", "v=DMARC1; p=reject");
        DmarcVerdict v = dmarc.evaluate("Bücher.example", SpfCheck.NONE, List.of());
        assertThat(v.authorDomain()).isEqualTo("xn--bcher-kva.example");
        assertThat(v.disposition()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(dmarc.evaluate("a..b", SpfCheck.NONE, List.of()).result()).isEqualTo(DmarcResult.PERMERROR);
    }

    @Test
    void severalAuthorDomainsAreEachEvaluatedAndTheWorstWins() {
        // Section 11.5: evaluate each Author Domain and apply the strictest failing policy.
        dns.put("_dmarc.example.org", "v=DMARC1; p=none");
        dns.put("_dmarc.bank.example", "v=DMARC1; p=reject");
        AuthorDomain two = new AuthorDomain(List.of("example.org", "bank.example"), "From has two domains");
        DmarcVerdict v = dmarc.evaluate(two, spfPass("example.org"), List.of());
        assertThat(v.result()).isEqualTo(DmarcResult.FAIL);
        assertThat(v.authorDomain()).isEqualTo("bank.example");
        assertThat(v.disposition()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(dmarc.evaluate(new AuthorDomain(List.of(), "no From header field"), SpfCheck.NONE, List.of()).result())
                .isEqualTo(DmarcResult.PERMERROR);
    }

    @Test
    void dnsQueriesAreNotRepeatedWithinOneEvaluation() {
        dns.put("_dmarc.example.org", "v=DMARC1; p=reject");
        dmarc.evaluate("a.example.org", spfPass("b.example.org"), dkimPass("c.example.org", "d.example.org"));
        assertThat(dns.queries).doesNotHaveDuplicates();
    }
}
