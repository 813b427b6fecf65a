package org.postern.dmarc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** DmarcRecord.parse against RFC 9989 sections 4.7 (tags) and 4.8 (grammar). */
class DmarcRecordTest {

    @Test
    void allTagsParsed() throws Exception {
        DmarcRecord r = DmarcRecord.parse("v=DMARC1; p=reject; sp=quarantine; np=none; psd=n; t=y; adkim=s; aspf=s;"
                + " rua=mailto:agg@example.org, mailto:b@example.net; ruf=mailto:f@example.org; fo=d:s");
        assertThat(r.policy()).isEqualTo(DmarcPolicy.REJECT);
        assertThat(r.subdomainPolicy()).contains(DmarcPolicy.QUARANTINE);
        assertThat(r.nonExistentPolicy()).contains(DmarcPolicy.NONE);
        assertThat(r.isOrganizationalDomain()).isTrue();
        assertThat(r.testing()).isTrue();
        assertThat(r.strictDkim()).isTrue();
        assertThat(r.strictSpf()).isTrue();
        assertThat(r.rua()).containsExactly("mailto:agg@example.org", "mailto:b@example.net");
        assertThat(r.ruf()).containsExactly("mailto:f@example.org");
        assertThat(r.failureOptions()).containsExactly("d", "s");
        assertThat(r.warnings()).isEmpty();
    }

    @Test
    void defaults() throws Exception {
        // Section 4.7: p absent acts as p=none; adkim/aspf r, psd u, t n, fo 0.
        DmarcRecord r = DmarcRecord.parse("v=DMARC1");
        assertThat(r.policy()).isEqualTo(DmarcPolicy.NONE);
        assertThat(r.subdomainPolicy()).isEmpty();
        assertThat(r.nonExistentPolicy()).isEmpty();
        assertThat(r.psd()).isEqualTo('u');
        assertThat(r.testing()).isFalse();
        assertThat(r.strictDkim()).isFalse();
        assertThat(r.failureOptions()).containsExactly("0");
        assertThat(r.raw()).isEqualTo("v=DMARC1");
    }

    @Test
    void versionMustComeFirstAndMatchExactly() {
        // Section 4.7, tag v: "MUST be the first tag"; the value is case-sensitive (section 4.8 %s).
        assertThatThrownBy(() -> DmarcRecord.parse("p=reject; v=DMARC1")).isInstanceOf(DmarcSyntaxException.class)
                .hasMessageContaining("must start with v=DMARC1");
        assertThatThrownBy(() -> DmarcRecord.parse("v=dmarc1; p=reject")).isInstanceOf(DmarcSyntaxException.class);
        assertThatThrownBy(() -> DmarcRecord.parse("v=spf1 -all")).isInstanceOf(DmarcSyntaxException.class);
        assertThat(DmarcRecord.isDmarc("v = DMARC1 ;p=none")).isTrue();
    }

    @Test
    void unknownTagsAndHistoricTagsAreIgnored() throws Exception {
        DmarcRecord r = DmarcRecord.parse("v=DMARC1; p=quarantine; x-future=1; pct=50; ri=3600;");
        assertThat(r.policy()).isEqualTo(DmarcPolicy.QUARANTINE);
        assertThat(r.warnings()).anyMatch(w -> w.contains("pct")).noneMatch(w -> w.contains("x-future"));
    }

    @Test
    void valuesAreCaseInsensitiveButTagNamesAreNot() throws Exception {
        assertThat(DmarcRecord.parse("v=DMARC1; p=Reject").policy()).isEqualTo(DmarcPolicy.REJECT);
        // "P" is an unknown tag (tag names are case-sensitive as in RFC 6376 section 3.2): p defaults to none.
        assertThat(DmarcRecord.parse("v=DMARC1; P=reject").policy()).isEqualTo(DmarcPolicy.NONE);
    }

    @Test
    void invalidPolicyWithValidRuaActsAsNone() throws Exception {
        // Section 4.10.1: invalid p (or sp/np) with a valid rua URI: act as if p=none.
        DmarcRecord r = DmarcRecord.parse("v=DMARC1; p=bogus; sp=reject; rua=mailto:a@example.org");
        assertThat(r.policy()).isEqualTo(DmarcPolicy.NONE);
        assertThat(r.subdomainPolicy()).isEmpty();
        assertThat(r.warnings()).anyMatch(w -> w.contains("p=bogus") && w.contains("acting as p=none"));
        DmarcRecord r2 = DmarcRecord.parse("v=DMARC1; p=reject; np=maybe; rua=mailto:a@example.org");
        assertThat(r2.policy()).isEqualTo(DmarcPolicy.NONE);
    }

    @Test
    void invalidPolicyWithoutRuaIsUnusable() {
        // Section 4.10.1: "Otherwise, the Mail Receiver applies no DMARC processing to this message."
        assertThatThrownBy(() -> DmarcRecord.parse("v=DMARC1; p=bogus")).isInstanceOf(DmarcSyntaxException.class)
                .hasMessageContaining("p=bogus").hasMessageContaining("no rua=");
        assertThatThrownBy(() -> DmarcRecord.parse("v=DMARC1; p=reject; sp=x; rua=not a uri"))
                .hasMessageContaining("rua= has no valid URI");
    }

    @Test
    void invalidOptionalValuesFallBackToDefaults() throws Exception {
        // Section 4.7: "Syntax errors in the remainder of the record MUST be discarded in favor of default values".
        DmarcRecord r = DmarcRecord.parse("v=DMARC1; p=reject; adkim=x; aspf=; t=maybe; psd=q; fo=2; junk; p=none");
        assertThat(r.policy()).isEqualTo(DmarcPolicy.REJECT); // the first p wins
        assertThat(r.strictDkim()).isFalse();
        assertThat(r.testing()).isFalse();
        assertThat(r.psd()).isEqualTo('u');
        assertThat(r.failureOptions()).containsExactly("0");
        assertThat(r.warnings()).hasSizeGreaterThanOrEqualTo(6);
    }

    @Test
    void testingDowngrade() {
        // Section 4.7, tag t=y: reject -> quarantine, quarantine -> none.
        assertThat(DmarcPolicy.REJECT.testingDowngrade()).isEqualTo(DmarcPolicy.QUARANTINE);
        assertThat(DmarcPolicy.QUARANTINE.testingDowngrade()).isEqualTo(DmarcPolicy.NONE);
        assertThat(DmarcPolicy.NONE.testingDowngrade()).isEqualTo(DmarcPolicy.NONE);
    }
}
