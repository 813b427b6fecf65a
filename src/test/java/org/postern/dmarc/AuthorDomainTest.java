package org.postern.dmarc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.postern.dkim.HeaderField;

/** AuthorDomain.extract: RFC 9989 section 5.3.1 over RFC 5322 section 3.6.2 From fields. */
class AuthorDomainTest {

    static AuthorDomain of(String... fields) {
        return AuthorDomain.extract(java.util.Arrays.stream(fields).map(f -> HeaderField.of(f + "\r\n")).toList());
    }

    @Test
    void oneAddressInTheUsualForms() {
        assertThat(of("From: alice@Example.ORG").domain()).isEqualTo("example.org");
        assertThat(of("From: Alice <alice@example.org>").domain()).isEqualTo("example.org");
        assertThat(of("From: \"Smith, Alice <x@evil.example>\" <alice@example.org>").domain()).isEqualTo("example.org");
        assertThat(of("From: (comment, x@evil.example) alice@example.org (another)").domain()).isEqualTo("example.org");
        assertThat(of("From: Alice\r\n <alice@example.org>").domain()).isEqualTo("example.org");
        assertThat(of("From: \"a@b\"@example.org").domain()).isEqualTo("example.org");
        assertThat(of("To: x@y.example", "From: a@example.org").isSingle()).isTrue();
    }

    @Test
    void severalAddressesInOneDomainAreOneAuthorDomain() {
        AuthorDomain a = of("From: a@example.org, B <b@EXAMPLE.org>");
        assertThat(a.isSingle()).isTrue();
        assertThat(a.domain()).isEqualTo("example.org");
    }

    @Test
    void zeroOrSeveralDomainsAreProblems() {
        AuthorDomain none = of("Subject: hi");
        assertThat(none.isSingle()).isFalse();
        assertThat(none.problem()).isEqualTo("no From header field");

        AuthorDomain two = of("From: a@example.org, b@bank.example");
        assertThat(two.isSingle()).isFalse();
        assertThat(two.domains()).containsExactly("example.org", "bank.example");
        assertThat(two.problem()).contains("2 domains");

        AuthorDomain twoFields = of("From: a@example.org", "From: a@example.org");
        assertThat(twoFields.isSingle()).isFalse();
        assertThat(twoFields.problem()).contains("2 From header fields");
        assertThat(twoFields.domains()).containsExactly("example.org");

        assertThat(of("From: undisclosed").problem()).contains("no usable domain");
        assertThat(of("From: a@[192.0.2.1]").problem()).contains("no usable domain");
        // Empty labels (found by fuzzing): "a@." used to give the Author Domain "", "a@b.." gave "b.".
        for (String empty : List.of("From: a@.", "From: <a@.>", "From: a@..", "From: a@b..", "From: a@.b", "From: a@b..c")) {
            AuthorDomain a = of(empty);
            assertThat(a.isSingle()).as(empty).isFalse();
            assertThat(a.domains()).as(empty).isEmpty();
            assertThat(a.problem()).as(empty).contains("no usable domain");
        }
        assertThat(of("From: a@Example.ORG.").domain()).isEqualTo("example.org");
        assertThat(of("From: ").problem()).isEqualTo("From header field has no address");
    }

    @Test
    void groupsAndGarbageDoNotThrow() {
        assertThat(of("From: team: a@example.org, b@example.org;").domain()).isEqualTo("example.org");
        for (String junk : List.of("From: <<<", "From: (((", "From: \"unterminated", "From: @", "From: a@", "From:,,,;;:")) {
            AuthorDomain a = of(junk);
            assertThat(a.isSingle()).as(junk).isFalse();
        }
    }
}
