package org.postern.authres;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Building Authentication-Results (RFC 8601 section 2.2) and reading authserv-ids back. */
class AuthenticationResultsTest {

    @Test
    void noResultIsNone() {
        // Section 2.2 no-result.
        assertThat(AuthenticationResults.builder("mx.example.net").build()).isEqualTo("Authentication-Results: mx.example.net; none");
    }

    @Test
    void shortFieldStaysOnOneLine() {
        assertThat(AuthenticationResults.builder("mx.example.net").spf("pass", "a@example.org", "h").build())
                .isEqualTo("Authentication-Results: mx.example.net; spf=pass smtp.mailfrom=a@example.org");
    }

    @Test
    void allMethodsFoldedTo78Columns() {
        String field = AuthenticationResults.builder("mx.example.net")
                .spf("pass", "alice@example.org", "mail.example.org")
                .dkim("pass", "example.org", "s1", "dGhpc2lz YmFzZTY0+/=", "")
                .dkim("fail", "example.org", "s2", "QUJDREVGR0hJSg==", "body hash did not verify")
                .dmarc("pass", "example.org", "none")
                .iprev("pass", "192.0.2.1", "mail.example.org")
                .build("\n");
        assertThat(field).isEqualTo("""
                Authentication-Results: mx.example.net;
                \tspf=pass smtp.mailfrom=alice@example.org;
                \tdkim=pass header.d=example.org header.s=s1 header.b=dGhpc2lz;
                \tdkim=fail reason="body hash did not verify" header.d=example.org
                \t header.s=s2 header.b=QUJDREVG;
                \tdmarc=pass policy.dmarc=none header.from=example.org;
                \tiprev=pass policy.iprev=192.0.2.1 (mail.example.org)""");
        for (String line : field.split("\n")) {
            assertThat(line.replace("\t", "        ").length()).as(line).isLessThanOrEqualTo(78);
        }
        // Our own field parses back to our authserv-id.
        assertThat(AuthservId.of(field.substring(field.indexOf(':') + 1))).contains("mx.example.net");
    }

    @Test
    void nullSenderShowsHeloAndOddValuesAreQuoted() {
        String f = AuthenticationResults.builder("mx.example.net").spf("none", "", "[192.0.2.1]")
                .dkim("pass", "example.org", "s1", "ab/+cdefgh", "").build();
        assertThat(f).contains("smtp.helo=\"[192.0.2.1]\"").contains("header.b=\"ab/+cdef\"");
    }

    @Test
    void authservIdOfForeignFields() {
        // Section 2.2 grammar: CFWS, quoted authserv-id, version, comments.
        assertThat(AuthservId.of(" mx.example.net; spf=pass")).contains("mx.example.net");
        assertThat(AuthservId.parse(" (c) mx.example.net (c2) 1 (c3); none"))
                .contains(new AuthservId.Parsed("mx.example.net", 1));
        assertThat(AuthservId.parse("\"mx example\" 2; none")).contains(new AuthservId.Parsed("mx example", 2));
        assertThat(AuthservId.of("\r\n\tMX.Example.NET;\r\n\tdkim=pass")).contains("MX.Example.NET");
        assertThat(AuthservId.claims(" MX.EXAMPLE.NET; spf=pass", "mx.example.net")).isTrue();
        assertThat(AuthservId.claims(" other.example; spf=pass", "mx.example.net")).isFalse();
        assertThat(AuthservId.of(" example.net")).contains("example.net"); // truncated but named
    }

    @Test
    void garbageNeverThrows() {
        for (String junk : new String[] {null, "", " ", ";", "(unterminated", "\"unterminated", "a b c", "((a)",
            "\\", "mx.example.net junk; spf=pass", "@@@", "\u0000\u00ff",
            "mx.example.net \u0663; none"}) { // an Arabic-Indic digit is not a version (RFC 8601 section 2.2: DIGIT)
            assertThat(AuthservId.of(junk)).as(String.valueOf(junk)).isEmpty();
            assertThat(AuthservId.claims(junk, "mx.example.net")).isFalse();
        }
    }
}
