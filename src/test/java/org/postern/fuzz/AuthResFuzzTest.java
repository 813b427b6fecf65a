package org.postern.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.postern.authres.AuthenticationResults;
import org.postern.authres.AuthservId;

/**
 * Authentication-Results (RFC 8601): the authserv-id of any field body (section 2.2) is read
 * or refused without an exception, and a field we write gives back the authserv-id we wrote.
 */
@Tag("fuzz")
class AuthResFuzzTest {

    @FuzzTest
    void fieldBody(FuzzedDataProvider data) {
        String ours = data.consumeString(20);
        String body = data.consumeRemainingAsString();
        Optional<AuthservId.Parsed> parsed = AuthservId.parse(body);
        parsed.ifPresent(p -> {
            assertThat(p.authservId()).isNotEmpty();
            // Section 2.2: authres-version = 1*DIGIT, so "0" is well-formed (a version we do not know).
            assertThat(p.version()).isNotNegative();
        });
        assertThat(AuthservId.of(body).isPresent()).isEqualTo(parsed.isPresent());
        AuthservId.claims(body, ours);
    }

    @FuzzTest
    void roundTrip(FuzzedDataProvider data) {
        String id = data.consumeString(40);
        // Result words come from our own SPF code; what the client controls is MAIL FROM, HELO and From.
        String spfResult = data.pickValue(new String[] {"pass", "fail", "softfail", "neutral", "none", "temperror", "permerror"});
        String mailFrom = data.consumeString(40);
        String helo = data.consumeString(40);
        String fromDomain = data.consumeRemainingAsString();
        // The authserv-id is ours (myhostname): the builder refuses a blank one outright.
        if (id.isBlank() || !id.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            return;
        }
        String field = AuthenticationResults.builder(id)
                .spf(spfResult, mailFrom, helo)
                .dmarc("pass", fromDomain, "none")
                .build();
        assertThat(field).startsWith("Authentication-Results: ");
        // Values from the client (MAIL FROM, HELO) must not end the field or start another one
        // (RFC 5322 section 2.2: a field ends at a CRLF that is not followed by WSP).
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\r') {
                assertThat(field.startsWith("\r\n\t", i) || field.startsWith("\r\n ", i)).as(field).isTrue();
            } else if (c == '\n') {
                assertThat(i > 0 && field.charAt(i - 1) == '\r').as(field).isTrue();
            }
        }
        String body = field.substring("Authentication-Results:".length());
        // The builder strips white space around the authserv-id.
        assertThat(AuthservId.of(body)).as(field).contains(id.strip());
    }
}
