package org.postern.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postern.mail.AddressException.Reason;
import org.postern.mail.MailAddress.Syntax;

class MailAddressTest {
    private static final Syntax LENIENT = Syntax.POSTFIX_DEFAULT;
    private static final Syntax STRICT = Syntax.STRICT;

    private static MailAddress p(String s) throws AddressException {
        return MailAddress.parse(s, LENIENT);
    }

    private static Reason reason(String s, Syntax syntax) {
        try {
            MailAddress.parse(s, syntax);
            throw new AssertionError("accepted: " + s);
        } catch (AddressException e) {
            return e.reason();
        }
    }

    /** Addresses Postfix 3.7.11 accepted in MAIL FROM (lab). */
    @ParameterizedTest
    @ValueSource(strings = {"<a@exa_mple.example>", "<\"a b\"@c.example>", "<a@[IPv6:::1]>", "<a@[ipv6:::1]>", "<a@1a.example>",
            "<a@[1.2.3.4]>", "<a@[01.2.3.4]>", "<.a@b.example>", "<a..b@c.example>", "< a@b.example >", "<user>",
            "<@a.example,@b.example:u@c.example>", "a@b.example", "<a@b.example.>", "<>"})
    void acceptedLikePostfix(String s) throws Exception {
        assertThat(MailAddress.parse(s, LENIENT)).isNotNull();
    }

    /** Addresses Postfix 3.7.11 refused in MAIL FROM with 501 5.1.7 (lab). */
    @ParameterizedTest
    @ValueSource(strings = {"<a@-b.example>", "<a@b-.example>", "<a@exa mple.com>", "<a@.example>", "<a@b.example..>", "<a@[tag:x]>",
            "<a,b@x.example>", "<\"a\"b@c.example>", "<a@>", "<a@123>", "<a@b..c>", "<a b@c.example>", "<a@1.2.3.4>",
            "<a@[300.1.1.1]>"})
    void refusedLikePostfix(String s) {
        assertThatThrownBy(() -> MailAddress.parse(s, LENIENT)).isInstanceOf(AddressException.class);
    }

    @Test
    void plainMailbox() throws Exception {
        MailAddress a = MailAddress.parse("<John.Smith@Example.COM>", STRICT);
        assertThat(a.localPart()).isEqualTo("John.Smith");
        assertThat(a.domain()).isEqualTo("Example.COM");
        assertThat(a.domainLowerCase()).isEqualTo("example.com");
        assertThat(a.isNull()).isFalse();
        assertThat(a.hasDomain()).isTrue();
        assertThat(a.hadBrackets()).isTrue();
        assertThat(a.toString()).isEqualTo("John.Smith@Example.COM");
        assertThat(a.lengthProblem()).isNull();
        assertThat(a).isEqualTo(p("John.Smith@example.com"));
        assertThat(a).isNotEqualTo(p("john.smith@example.com")); // local parts are case-sensitive
    }

    @Test
    void nullPath() throws Exception {
        assertThat(MailAddress.parse("<>", STRICT).isNull()).isTrue();
        assertThat(p("<>")).isSameAs(MailAddress.NULL);
        assertThat(p(" < > ").isNull()).isTrue();
        assertThat(MailAddress.NULL.toString()).isEmpty();
        assertThat(reason("", LENIENT)).isEqualTo(Reason.SYNTAX);
    }

    @Test
    void quotedLocalPart() throws Exception {
        MailAddress a = p("<\"john doe\"@example.com>");
        assertThat(a.localPart()).isEqualTo("john doe");
        assertThat(a.toString()).isEqualTo("\"john doe\"@example.com");
        MailAddress b = p("<\"a\\\"b\\\\c\"@example.com>");
        assertThat(b.localPart()).isEqualTo("a\"b\\c");
        assertThat(b.toString()).isEqualTo("\"a\\\"b\\\\c\"@example.com");
        assertThat(p("<\"plain\"@x.org>").toString()).isEqualTo("plain@x.org");
        assertThat(reason("<\"unterminated@x.org>", LENIENT)).isEqualTo(Reason.SYNTAX);
        assertThat(reason("<\"a\"b@x.org>", LENIENT)).isEqualTo(Reason.SYNTAX);
        assertThat(reason("<\"a\u0001\"@x.org>", LENIENT)).isEqualTo(Reason.SYNTAX);
    }

    @Test
    void domainlessMailboxAsPostfix() throws Exception {
        MailAddress a = MailAddress.parse("<user>", STRICT);
        assertThat(a.localPart()).isEqualTo("user");
        assertThat(a.hasDomain()).isFalse();
        assertThat(a.domain()).isEmpty();
        assertThat(a.toString()).isEqualTo("user");
    }

    @Test
    void formsBothModesAccept() throws Exception {
        for (Syntax s : new Syntax[] {LENIENT, STRICT}) {
            assertThat(MailAddress.parse("< user@example.com >", s).toString()).isEqualTo("user@example.com");
            assertThat(MailAddress.parse("<a..b@example.com>", s).localPart()).isEqualTo("a..b");
            assertThat(MailAddress.parse("<a@example.com.>", s).domain()).isEqualTo("example.com.");
        }
    }

    @Test
    void lenientForms() throws Exception {
        assertThat(p("user@example.com").hadBrackets()).isFalse();
        assertThat(p("  user@example.com\t").toString()).isEqualTo("user@example.com");
        assertThat(p("< user@example.com >").toString()).isEqualTo("user@example.com");
        assertThat(p("<a..b@example.com>").localPart()).isEqualTo("a..b");
        assertThat(p("<a..b@example.com>").toString()).isEqualTo("\"a..b\"@example.com");
        assertThat(p("<.a@example.com>").localPart()).isEqualTo(".a");
        assertThat(p("<a.@example.com>").localPart()).isEqualTo("a.");
    }

    @Test
    void strictOnlyWantsBrackets() {
        assertThat(reason("user@example.com", STRICT)).isEqualTo(Reason.MISSING_BRACKETS);
        assertThat(reason(" user@example.com ", STRICT)).isEqualTo(Reason.MISSING_BRACKETS);
    }

    @Test
    void sourceRouteIsAcceptedAndDropped() throws Exception {
        MailAddress a = MailAddress.parse("<@a.example,@[192.0.2.1]:user@c.example>", STRICT);
        assertThat(a.toString()).isEqualTo("user@c.example");
        assertThat(a.hadSourceRoute()).isTrue();
        assertThat(reason("<@a.example:>", LENIENT)).isEqualTo(Reason.SYNTAX);
        assertThat(reason("<@a.example>", LENIENT)).isEqualTo(Reason.SYNTAX);
        assertThat(reason("<@a..b:user@c.example>", LENIENT)).isEqualTo(Reason.SYNTAX);
        assertThat(reason("<@a.example,b.example:user@c.example>", LENIENT)).isEqualTo(Reason.SYNTAX);
    }

    @Test
    void addressLiterals() throws Exception {
        MailAddress a = p("<postmaster@[192.0.2.1]>");
        assertThat(a.domain()).isEqualTo("[192.0.2.1]");
        assertThat(a.isAddressLiteral()).isTrue();
        assertThat(p("<u@[IPv6:2001:db8::1]>").domain()).isEqualTo("[IPv6:2001:db8::1]");
        assertThat(reason("<u@[300.1.1.1]>", LENIENT)).isEqualTo(Reason.BAD_DOMAIN);
        assertThat(reason("<u@[foo]>", LENIENT)).isEqualTo(Reason.BAD_DOMAIN);
        assertThat(reason("<u@[1.2.3.4>", LENIENT)).isEqualTo(Reason.BAD_DOMAIN);
    }

    @ParameterizedTest
    @ValueSource(strings = {"<a b@x.org>", "<a@>", "<@>", "<a@@b.org>", "<a@b@c.org>", "<a(b)@x.org>", "<a,b@x.org>",
            "<a@x.org", "a@x.org>", "<<a@x.org>>", "<a@x.org> junk", "<a\u0000b@x.org>", "<a@x.org\u0000>", "@", "<:>",
            "<\"\"", "<a@x.org>>"})
    void syntaxErrors(String s) {
        assertThatThrownBy(() -> MailAddress.parse(s, LENIENT)).isInstanceOf(AddressException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"<a@b..c>", "<a@-b.c>", "<a@b-.c>", "<a@1.2.3.4>", "<a@exa mple.com>", "<a@.com>", "<a@b.c..>"})
    void badDomains(String s) {
        assertThat(reason(s, LENIENT)).isEqualTo(Reason.BAD_DOMAIN);
    }

    @Test
    void utf8OnlyWithSmtputf8() throws Exception {
        String s = "<\u7528\u6237@\u4f8b\u5b50.\u5e7f\u544a>";
        assertThat(reason(s, LENIENT)).isEqualTo(Reason.NON_ASCII);
        MailAddress a = MailAddress.parse(s, LENIENT.withUtf8(true));
        assertThat(a.localPart()).isEqualTo("\u7528\u6237");
        assertThat(a.domain()).isEqualTo("\u4f8b\u5b50.\u5e7f\u544a");
        assertThat(a.isUtf8()).isTrue();
        assertThat(MailAddress.parse("<J\u00f6rg@example.com>", STRICT.withUtf8(true)).localPart()).isEqualTo("J\u00f6rg");

        byte[] malformed = {'<', 'a', (byte) 0xff, '@', 'x', '.', 'o', 'r', 'g', '>'};
        assertThatThrownBy(() -> MailAddress.parse(malformed, 0, malformed.length, LENIENT.withUtf8(true)))
                .isInstanceOfSatisfying(AddressException.class, e -> assertThat(e.reason()).isEqualTo(Reason.BAD_UTF8));
        assertThatThrownBy(() -> MailAddress.parse(malformed, 0, malformed.length, LENIENT))
                .isInstanceOfSatisfying(AddressException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NON_ASCII));
    }

    @Test
    void lengthLimitsAreReportedNotFatal() throws Exception {
        assertThat(p("<" + "a".repeat(64) + "@x.org>").lengthProblem()).isNull();
        assertThat(p("<" + "a".repeat(65) + "@x.org>").lengthProblem()).isEqualTo(MailAddress.LengthProblem.LOCAL_PART_TOO_LONG);
        String l63 = "d".repeat(63);
        String d256 = l63 + "." + l63 + "." + l63 + "." + "d".repeat(62) + ".a"; // 256 octets
        assertThat(d256).hasSize(256);
        assertThat(p("<a@" + d256 + ">").lengthProblem()).isEqualTo(MailAddress.LengthProblem.DOMAIN_TOO_LONG);
        String d190 = l63 + "." + l63 + "." + "d".repeat(62);
        assertThat(d190).hasSize(190);
        // 64 + 1 + 190 + 2 brackets = 257 > 256
        assertThat(p("<" + "a".repeat(64) + "@" + d190 + ">").lengthProblem()).isEqualTo(MailAddress.LengthProblem.PATH_TOO_LONG);
        assertThat(p("<" + "a".repeat(63) + "@" + d190 + ">").lengthProblem()).isNull();
    }

    @Test
    void recipientDelimiter() throws Exception {
        MailAddress a = p("<user+foo@example.com>");
        assertThat(a.withoutExtension("+").toString()).isEqualTo("user@example.com");
        assertThat(a.extension("+")).isEqualTo("foo");
        assertThat(a.withoutExtension("")).isSameAs(a);
        assertThat(a.extension("-")).isNull();
        MailAddress b = p("<user-foo+bar@example.com>");
        assertThat(b.withoutExtension("+-").localPart()).isEqualTo("user");
        assertThat(b.extension("+-")).isEqualTo("foo+bar");
        assertThat(p("<+foo@example.com>").withoutExtension("+").localPart()).isEqualTo("+foo");
        assertThat(p("<owner-list@example.com>").withoutExtension("-").localPart()).isEqualTo("owner-list");
        assertThat(p("<list-request@example.com>").withoutExtension("-").localPart()).isEqualTo("list-request");
        assertThat(p("<owner-list@example.com>").withoutExtension("+").localPart()).isEqualTo("owner-list");
        assertThat(p("<postmaster@example.com>").withoutExtension("t").localPart()).isEqualTo("postmaster");
        assertThat(p("<MAILER-DAEMON@example.com>").withoutExtension("-").localPart()).isEqualTo("MAILER-DAEMON");
        assertThat(MailAddress.NULL.withoutExtension("+")).isSameAs(MailAddress.NULL);
    }

    @Test
    void parsesFromByteRange() throws Exception {
        byte[] line = "MAIL FROM:<a@b.org> SIZE=1".getBytes(StandardCharsets.US_ASCII);
        assertThat(MailAddress.parse(line, 10, 9, STRICT).toString()).isEqualTo("a@b.org");
    }

    @Test
    void factory() {
        MailAddress a = MailAddress.of("x y", "Example.org");
        assertThat(a.toString()).isEqualTo("\"x y\"@Example.org");
        assertThat(a.domainLowerCase()).isEqualTo("example.org");
    }
}
