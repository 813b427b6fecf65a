package org.postern.smtp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class EhloKeywordsTest {

    @Test
    void postfixOrder() {
        EhloKeywords.Result r = EhloKeywords.forHost("mx.example.com").sizeLimit(10240000).starttls(true)
                .auth(List.of("PLAIN", "LOGIN"), true).build();
        assertThat(TestStreams.text(r.reply().wireBytes())).isEqualTo(String.join("\r\n",
                "250-mx.example.com", "250-PIPELINING", "250-SIZE 10240000", "250-VRFY", "250-ETRN", "250-STARTTLS",
                "250-AUTH PLAIN LOGIN", "250-AUTH=PLAIN LOGIN", "250-ENHANCEDSTATUSCODES", "250-8BITMIME", "250-DSN",
                "250-SMTPUTF8", "250 CHUNKING", ""));
        assertThat(r.discarded()).isEmpty();
    }

    @Test
    void xclientAfterStarttlsAsPostfix() {
        // Postfix 3.7.11 (lab), smtpd_tls_security_level = may and an XCLIENT-authorized client.
        EhloKeywords.Result r = EhloKeywords.forHost("mx.example.test").sizeLimit(10240000).starttls(true)
                .xclient(EhloKeywords.POSTFIX_XCLIENT_ATTRIBUTES).build();
        assertThat(r.reply().lines()).containsExactly("mx.example.test", "PIPELINING", "SIZE 10240000", "VRFY", "ETRN",
                "STARTTLS", "XCLIENT NAME ADDR PROTO HELO REVERSE_NAME PORT LOGIN DESTADDR DESTPORT", "ENHANCEDSTATUSCODES",
                "8BITMIME", "DSN", "SMTPUTF8", "CHUNKING");
    }

    @Test
    void defaultsWithoutTlsAuthOrLimit() {
        EhloKeywords.Result r = EhloKeywords.forHost("mx").vrfy(false).smtputf8(false).xclient("NAME ADDR").build();
        assertThat(r.reply().lines()).containsExactly("mx", "PIPELINING", "SIZE", "ETRN", "XCLIENT NAME ADDR",
                "ENHANCEDSTATUSCODES", "8BITMIME", "DSN", "CHUNKING");
    }

    @Test
    void discardList() {
        EhloKeywords.Discard d = EhloKeywords.Discard.parse(" dsn, Chunking  silent-discard,auth ");
        assertThat(d.silent()).isTrue();
        assertThat(d.discards("DSN")).isTrue();
        assertThat(d.discards("chunking")).isTrue();
        EhloKeywords.Result r = EhloKeywords.forHost("mx").auth(List.of("PLAIN"), true).discard(d).build();
        assertThat(r.reply().lines()).doesNotContain("DSN", "CHUNKING", "AUTH PLAIN", "AUTH=PLAIN");
        assertThat(r.discarded()).containsExactly("AUTH", "DSN", "CHUNKING");
        assertThat(r.silent()).isTrue();
        assertThat(EhloKeywords.Discard.parse("").discards("DSN")).isFalse();
        assertThat(EhloKeywords.Discard.parse("pipelining").silent()).isFalse();
    }
}
