package org.postern.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.postern.mail.MailAddress;
import org.postern.smtp.SmtpCommand.Verb;

class SmtpCommandTest {
    private static final EnvelopeOptions OPTS = EnvelopeOptions.POSTFIX_DEFAULT;

    static SmtpCommand c(String s) {
        return SmtpCommand.parse(s);
    }

    /** The reply text a failing parse gives. */
    static String err(ThrowingRunnable r) {
        try {
            r.run();
            throw new AssertionError("no error");
        } catch (SmtpSyntaxException e) {
            return e.reply().toString();
        }
    }

    interface ThrowingRunnable {
        void run() throws SmtpSyntaxException;
    }

    @ParameterizedTest
    @CsvSource({"HELO x,HELO", "ehlo x,EHLO", "Mail FROM:<>,MAIL", "rcpt to:<a@b.c>,RCPT", "DATA,DATA", "bdat 1,BDAT",
            "RSET,RSET", "noop,NOOP", "QUIT,QUIT", "VRFY x,VRFY", "EXPN x,EXPN", "HELP,HELP", "starttls,STARTTLS",
            "AUTH PLAIN,AUTH", "ETRN x,ETRN", "xclient ADDR=1.2.3.4,XCLIENT", "FOO,UNKNOWN", "HELOX,UNKNOWN", "MAILFROM:<>,UNKNOWN",
            "'  NOOP',NOOP", "'\tQUIT  ',QUIT"})
    void verbs(String line, Verb verb) {
        assertThat(c(line).verb()).isEqualTo(verb);
    }

    @Test
    void emptyLines() {
        assertThat(c("").verb()).isEqualTo(Verb.NONE);
        assertThat(c("  \t ").verb()).isEqualTo(Verb.NONE);
        SmtpCommand x = c("FooBar  a  b\t c  ");
        assertThat(x.verbText()).isEqualTo("FooBar");
        assertThat(x.argument()).isEqualTo("a  b\t c");
        assertThat(x.arguments()).containsExactly("a", "b", "c");
    }

    @Test
    void hello() throws Exception {
        assertThat(c("EHLO  mail.example.com ").helloName()).isEqualTo("mail.example.com");
        assertThat(c("HELO a  b").helloName()).isEqualTo("a b");
        assertThat(err(() -> c("EHLO").helloName())).isEqualTo("501 Syntax: EHLO hostname");
        assertThat(err(() -> c("HELO  ").helloName())).isEqualTo("501 Syntax: HELO hostname");
    }

    @Test
    void commandsWithoutArguments() throws Exception {
        c("DATA").requireNoArgument();
        c("NOOP anything").requireNoArgument();
        c("QUIT now").requireNoArgument();
        assertThat(err(() -> c("DATA x").requireNoArgument())).isEqualTo("501 5.5.4 Syntax: DATA");
        assertThat(err(() -> c("RSET x").requireNoArgument())).isEqualTo("501 5.5.4 Syntax: RSET");
        assertThat(err(() -> c("STARTTLS x").requireNoArgument())).isEqualTo("501 5.5.4 Syntax: STARTTLS");
        assertThat(c("VRFY  postmaster ").vrfyArgument()).isEqualTo("postmaster");
        assertThat(err(() -> c("VRFY").vrfyArgument())).isEqualTo("501 5.5.4 Syntax: VRFY address [SMTPUTF8]");
        assertThat(c("ETRN example.org").etrnArgument()).isEqualTo("example.org");
        assertThat(err(() -> c("ETRN").etrnArgument())).isEqualTo("500 Syntax: ETRN domain");
    }

    @Test
    void mailFrom() throws Exception {
        MailFrom m = c("MAIL FROM:<alice@example.com>").mailFrom(OPTS);
        assertThat(m.sender().toString()).isEqualTo("alice@example.com");
        assertThat(m.size()).isEqualTo(-1);
        assertThat(m.body()).isNull();
        assertThat(m.smtputf8()).isFalse();
        assertThat(c("mail from:<>").mailFrom(OPTS).sender().isNull()).isTrue();
        // Postfix's leniency: space after the colon, no brackets, several spaces.
        assertThat(c("MAIL FROM: <alice@example.com>").mailFrom(OPTS).sender().toString()).isEqualTo("alice@example.com");
        assertThat(c("MAIL   FROM:alice@example.com   SIZE=5").mailFrom(OPTS).size()).isEqualTo(5);
        assertThat(c("MAIL FROM:<user>").mailFrom(OPTS).sender().hasDomain()).isFalse();
        assertThat(c("MAIL FROM:<\"a > b\"@example.com>").mailFrom(OPTS).sender().localPart()).isEqualTo("a > b");
    }

    @Test
    void mailFromParameters() throws Exception {
        MailFrom m = c("MAIL FROM:<a@b.org> SIZE=12345 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=QQ+2Bx+3d1").mailFrom(OPTS);
        assertThat(m.size()).isEqualTo(12345);
        assertThat(m.body()).isEqualTo(MailFrom.Body.EIGHT_BIT_MIME);
        assertThat(m.smtputf8()).isTrue();
        assertThat(m.ret()).isEqualTo(MailFrom.Ret.HDRS);
        assertThat(m.envid()).isEqualTo("QQ+x=1");
        assertThat(c("MAIL FROM:<a@b.org> body=7bit ret=full").mailFrom(OPTS).body()).isEqualTo(MailFrom.Body.SEVEN_BIT);
        MailFrom a = c("MAIL FROM:<a@b.org> AUTH=<a@b.org>").mailFrom(OPTS.withSasl(true));
        assertThat(a.auth()).isEqualTo("<a@b.org>");
        // Postfix (lab): "<>" is not kept, so it never makes a duplicate.
        assertThat(c("MAIL FROM:<a@b.org> AUTH=<> AUTH=<>").mailFrom(OPTS.withSasl(true)).auth()).isNull();
        assertThat(c("MAIL FROM:<a@b.org> AUTH=x+zz").mailFrom(OPTS.withSasl(true)).auth()).isEqualTo("x+zz");
        assertThat(c("MAIL FROM:<a@b.org> AUTH=e+3Dmc2@example.com").mailFrom(OPTS.withSasl(true)).authDecoded())
                .isEqualTo("e=mc2@example.com");
    }

    @Test
    void mailFromErrorsWithPostfixTexts() {
        assertThat(err(() -> c("MAIL").mailFrom(OPTS))).isEqualTo("501 5.5.4 Syntax: MAIL FROM:<address>");
        assertThat(err(() -> c("MAIL FROM:").mailFrom(OPTS))).isEqualTo("501 5.5.4 Syntax: MAIL FROM:<address>");
        assertThat(err(() -> c("MAIL FROM :<a@b.org>").mailFrom(OPTS))).isEqualTo("501 5.5.4 Syntax: MAIL FROM:<address>");
        assertThat(err(() -> c("MAIL TO:<a@b.org>").mailFrom(OPTS))).isEqualTo("501 5.5.4 Syntax: MAIL FROM:<address>");
        assertThat(err(() -> c("MAIL FROM:<a@b.org").mailFrom(OPTS))).isEqualTo("501 5.1.7 Bad sender address syntax");
        assertThat(err(() -> c("MAIL FROM:<a@b.org>x").mailFrom(OPTS))).isEqualTo("501 5.1.7 Bad sender address syntax");
        assertThat(err(() -> c("MAIL FROM:<a b@b.org>").mailFrom(OPTS))).isEqualTo("501 5.1.7 Bad sender address syntax");
        assertThat(err(() -> c("MAIL FROM:<a@b..org>").mailFrom(OPTS))).isEqualTo("501 5.1.7 Bad sender address syntax");
        assertThat(err(() -> c("MAIL FROM:<a@b.org> SIZE=abc").mailFrom(OPTS))).isEqualTo("501 5.5.4 Bad message size syntax");
        assertThat(err(() -> c("MAIL FROM:<a@b.org> SIZE=").mailFrom(OPTS))).isEqualTo("501 5.5.4 Bad message size syntax");
        assertThat(err(() -> c("MAIL FROM:<a@b.org> SIZE=-1").mailFrom(OPTS))).isEqualTo("501 5.5.4 Bad message size syntax");
        assertThat(err(() -> c("MAIL FROM:<a@b.org> SIZE=99999999999999999999999").mailFrom(OPTS)))
                .isEqualTo("552 5.3.4 Message size exceeds file system imposed limit");
        assertThat(err(() -> c("MAIL FROM:<a@b.org> FOO=bar").mailFrom(OPTS))).isEqualTo("555 5.5.4 Unsupported option: FOO=bar");
        assertThat(err(() -> c("MAIL FROM:<a@b.org> BODY=9BIT").mailFrom(OPTS))).isEqualTo("555 5.5.4 Unsupported option: BODY=9BIT");
        assertThat(err(() -> c("MAIL FROM:<a@b.org> RET=FULL RET=HDRS").mailFrom(OPTS))).isEqualTo("501 5.5.4 Bad RET parameter syntax");
        assertThat(err(() -> c("MAIL FROM:<a@b.org> RET=ALL").mailFrom(OPTS))).isEqualTo("501 5.5.4 Bad RET parameter syntax");
        assertThat(err(() -> c("MAIL FROM:<a@b.org> ENVID=a+zz").mailFrom(OPTS))).isEqualTo("501 5.5.4 Bad ENVID parameter syntax");
        assertThat(err(() -> c("MAIL FROM:<a@b.org> ENVID=a+0A").mailFrom(OPTS))).isEqualTo("501 5.5.4 Bad ENVID parameter syntax");
        assertThat(err(() -> c("MAIL FROM:<a@b.org> ENVID=a ENVID=b").mailFrom(OPTS))).isEqualTo("501 5.5.4 Bad ENVID parameter syntax");
        // Without SASL, AUTH= is accepted and ignored, even twice (lab).
        assertThatCode(() -> assertThat(c("MAIL FROM:<a@b.org> AUTH=<> AUTH=x").mailFrom(OPTS).auth()).isNull())
                .doesNotThrowAnyException();
        // No BINARYMIME in Postfix 3.7, even with CHUNKING (lab).
        assertThat(err(() -> c("MAIL FROM:<a@b.org> BODY=BINARYMIME").mailFrom(OPTS)))
                .isEqualTo("555 5.5.4 Unsupported option: BODY=BINARYMIME");
        assertThat(err(() -> c("MAIL FROM:<a@b.org> AUTH=<a@b.org> AUTH=<a@b.org>").mailFrom(OPTS.withSasl(true))))
                .isEqualTo("503 5.5.4 Error: multiple AUTH= options");
        assertThat(err(() -> c("MAIL FROM:<a@b.org> AUTH=<a@b.org> AUTH=<>").mailFrom(OPTS.withSasl(true))))
                .isEqualTo("503 5.5.4 Error: multiple AUTH= options");
        EnvelopeOptions noDsn = new EnvelopeOptions(false, true, false, false);
        assertThat(err(() -> c("MAIL FROM:<a@b.org> RET=FULL").mailFrom(noDsn))).isEqualTo("501 5.7.1 DSN support is disabled");
        assertThat(err(() -> c("MAIL FROM:<a@b.org> ENVID=x").mailFrom(noDsn))).isEqualTo("501 5.7.1 DSN support is disabled");
        EnvelopeOptions noUtf8 = new EnvelopeOptions(false, false, true, false);
        assertThat(err(() -> c("MAIL FROM:<a@b.org> SMTPUTF8").mailFrom(noUtf8))).isEqualTo("555 5.5.4 Unsupported option: SMTPUTF8");
    }

    @Test
    void strictRfc821Envelopes() throws Exception {
        EnvelopeOptions strict = new EnvelopeOptions(true, true, true, false);
        assertThat(c("MAIL FROM:<a@b.org>").mailFrom(strict).sender().toString()).isEqualTo("a@b.org");
        // Postfix's strict mode only wants the brackets (lab).
        assertThat(c("MAIL FROM: < a..b@b.org >").mailFrom(strict).sender().localPart()).isEqualTo("a..b");
        assertThat(err(() -> c("MAIL FROM:a@b.org").mailFrom(strict))).isEqualTo("501 5.1.7 Bad sender address syntax");
        assertThat(err(() -> c("RCPT TO:a@b.org").rcptTo(strict))).isEqualTo("501 5.1.3 Bad recipient address syntax");
    }

    @Test
    void utf8AddressesAreAcceptedAsPostfixDoes() throws Exception {
        String addr = "<\u7528\u6237@\u4f8b\u5b50.\u5e7f\u544a>";
        MailFrom m = c("MAIL FROM:" + addr + " SMTPUTF8").mailFrom(OPTS);
        assertThat(m.sender().isUtf8()).isTrue();
        assertThat(m.smtputf8()).isTrue();
        // Postfix 3.7 (lab): accepted without SMTPUTF8, and even with smtputf8_enable = no.
        assertThat(c("MAIL FROM:" + addr).mailFrom(OPTS).smtputf8()).isFalse();
        assertThat(c("RCPT TO:" + addr).rcptTo(OPTS).recipient().isUtf8()).isTrue();
        EnvelopeOptions noUtf8 = new EnvelopeOptions(false, false, true, false);
        assertThat(c("MAIL FROM:" + addr).mailFrom(noUtf8).sender().isUtf8()).isTrue();
        byte[] bad = TestStreams.bytes("MAIL FROM:<a\u00ff@b.org>");
        assertThat(err(() -> SmtpCommand.parse(bad, 0, bad.length).mailFrom(OPTS))).isEqualTo("501 5.1.7 Bad sender address syntax");
    }

    @Test
    void rcptTo() throws Exception {
        RcptTo r = c("RCPT TO:<bob@example.org> NOTIFY=success,FAILURE ORCPT=rfc822;bob+40example.org").rcptTo(OPTS);
        assertThat(r.recipient()).isEqualTo(MailAddress.parse("<bob@example.org>", MailAddress.Syntax.STRICT));
        assertThat(r.notifyOn()).isEqualTo(EnumSet.of(RcptTo.Notify.SUCCESS, RcptTo.Notify.FAILURE));
        assertThat(r.orcptType()).isEqualTo("rfc822");
        assertThat(r.orcptAddress()).isEqualTo("bob@example.org");
        RcptTo plain = c("rcpt to: <postmaster>").rcptTo(OPTS);
        assertThat(plain.notifyOn()).isNull();
        assertThat(plain.recipient().localPart()).isEqualTo("postmaster");
        assertThat(c("RCPT TO:<a@b.org> NOTIFY=NEVER").rcptTo(OPTS).notifyOn()).containsExactly(RcptTo.Notify.NEVER);
    }

    @Test
    void rcptToErrorsWithPostfixTexts() {
        assertThat(err(() -> c("RCPT").rcptTo(OPTS))).isEqualTo("501 5.5.4 Syntax: RCPT TO:<address>");
        assertThat(err(() -> c("RCPT TO:").rcptTo(OPTS))).isEqualTo("501 5.5.4 Syntax: RCPT TO:<address>");
        assertThat(err(() -> c("RCPT FROM:<a@b.org>").rcptTo(OPTS))).isEqualTo("501 5.5.4 Syntax: RCPT TO:<address>");
        assertThat(err(() -> c("RCPT TO:<>").rcptTo(OPTS))).isEqualTo("501 5.1.3 Bad recipient address syntax");
        assertThat(err(() -> c("RCPT TO:<a@>").rcptTo(OPTS))).isEqualTo("501 5.1.3 Bad recipient address syntax");
        assertThat(err(() -> c("RCPT TO:<a@b.org> NOTIFY=NEVER,SUCCESS").rcptTo(OPTS)))
                .isEqualTo("501 5.5.4 Error: Bad NOTIFY parameter syntax");
        assertThat(err(() -> c("RCPT TO:<a@b.org> NOTIFY=").rcptTo(OPTS))).isEqualTo("501 5.5.4 Error: Bad NOTIFY parameter syntax");
        assertThat(err(() -> c("RCPT TO:<a@b.org> NOTIFY=SUCCESS,,DELAY").rcptTo(OPTS)))
                .isEqualTo("501 5.5.4 Error: Bad NOTIFY parameter syntax");
        assertThat(err(() -> c("RCPT TO:<a@b.org> NOTIFY=DELAY NOTIFY=DELAY").rcptTo(OPTS)))
                .isEqualTo("501 5.5.4 Error: Bad NOTIFY parameter syntax");
        assertThat(err(() -> c("RCPT TO:<a@b.org> ORCPT=rfc822").rcptTo(OPTS))).isEqualTo("501 5.5.4 Error: Bad ORCPT parameter syntax");
        assertThat(err(() -> c("RCPT TO:<a@b.org> ORCPT=;a@b").rcptTo(OPTS))).isEqualTo("501 5.5.4 Error: Bad ORCPT parameter syntax");
        assertThat(err(() -> c("RCPT TO:<a@b.org> ORCPT=rfc822;a+4").rcptTo(OPTS))).isEqualTo("501 5.5.4 Error: Bad ORCPT parameter syntax");
        assertThat(err(() -> c("RCPT TO:<a@b.org> SIZE=1").rcptTo(OPTS))).isEqualTo("555 5.5.4 Unsupported option: SIZE=1");
        EnvelopeOptions noDsn = new EnvelopeOptions(false, true, false, false);
        assertThat(err(() -> c("RCPT TO:<a@b.org> NOTIFY=NEVER").rcptTo(noDsn))).isEqualTo("501 5.7.1 DSN support is disabled");
    }

    @Test
    void bdat() throws Exception {
        assertThat(c("BDAT 1000").bdat()).isEqualTo(new BdatCommand(1000, false));
        assertThat(c("bdat 0 last").bdat()).isEqualTo(new BdatCommand(0, true));
        assertThat(err(() -> c("BDAT").bdat())).isEqualTo("521 5.5.4 Syntax: BDAT count [LAST]");
        assertThat(c("BDAT 0").bdat()).isEqualTo(new BdatCommand(0, false)); // the session answers 551 Null BDAT request
        assertThat(err(() -> c("BDAT x").bdat())).isEqualTo("521 5.5.4 Syntax: BDAT count [LAST]");
        assertThat(err(() -> c("BDAT -1").bdat())).isEqualTo("521 5.5.4 Syntax: BDAT count [LAST]");
        assertThat(err(() -> c("BDAT 1 FIRST").bdat())).isEqualTo("521 5.5.4 Syntax: BDAT count [LAST]");
        assertThat(err(() -> c("BDAT 1 LAST x").bdat())).isEqualTo("521 5.5.4 Syntax: BDAT count [LAST]");
        assertThat(err(() -> c("BDAT 9999999999999999999999").bdat())).isEqualTo("521 5.5.4 Syntax: BDAT count [LAST]");
    }

    @Test
    void auth() throws Exception {
        assertThat(c("AUTH plain").auth()).isEqualTo(new AuthCommand("PLAIN", null));
        assertThat(c("AUTH PLAIN =").auth()).isEqualTo(new AuthCommand("PLAIN", ""));
        assertThat(c("AUTH PLAIN AGFAYg==").auth()).isEqualTo(new AuthCommand("PLAIN", "AGFAYg=="));
        assertThat(err(() -> c("AUTH").auth())).isEqualTo("501 5.5.4 Syntax: AUTH mechanism");
        assertThat(err(() -> c("AUTH PLAIN a b").auth())).isEqualTo("501 5.5.4 Syntax: AUTH mechanism");
    }

    @Test
    void xclient() throws Exception {
        assertThat(c("XCLIENT ADDR=198.51.100.7 name=[UNAVAILABLE] HELO=a+20b").xclient()).containsExactly(
                new XclientAttribute("ADDR", "198.51.100.7"), new XclientAttribute("NAME", "[UNAVAILABLE]"),
                new XclientAttribute("HELO", "a b"));
        assertThat(err(() -> c("XCLIENT").xclient())).isEqualTo("501 5.5.4 Syntax: XCLIENT attribute=value...");
        assertThat(err(() -> c("XCLIENT ADDR").xclient())).isEqualTo("501 5.5.4 Error: attribute=value expected");
        assertThat(err(() -> c("XCLIENT ADDR=").xclient())).isEqualTo("501 5.5.4 Error: attribute=value expected");
        assertThat(c("XCLIENT HELO=a+g").xclient()).containsExactly(new XclientAttribute("HELO", "a+g")); // as Postfix (lab)
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET / HTTP/1.0", "POST /x HTTP/1.1", "CONNECT host:25", "Subject: hello", "From: a@b.org",
            "User-Agent: x", "123 go", "\u0001x", "<html>"})
    void nonSmtpCommands(String line) {
        assertThat(c(line).isNonSmtp(SmtpCommand.DEFAULT_FORBIDDEN)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"FOO", "MAIL FROM:<a@b>", "EHLO x", "X-FOO", "get"})
    void smtpOrMerelyUnknown(String line) {
        // "get" is forbidden too: smtpd_forbidden_commands is case-insensitive
        boolean expected = line.equals("get");
        assertThat(c(line).isNonSmtp(SmtpCommand.DEFAULT_FORBIDDEN)).isEqualTo(expected);
    }

    @Test
    void argumentsSplitOnTabsToo() {
        assertThat(c("EHLO\ta\t b").arguments()).isEqualTo(List.of("a", "b"));
    }

    @Test
    void mailParsesFromReaderBytes() throws Exception {
        CommandReader r = new CommandReader(TestStreams.whole(TestStreams.bytes("MAIL FROM:<a@b.org> SIZE=7\r\n")));
        assertThat(SmtpCommand.parse(r.readLine()).mailFrom(OPTS).size()).isEqualTo(7);
    }

    @Test
    void unsupportedOptionTextIsMadeSafe() {
        assertThat(err(() -> c("MAIL FROM:<a@b.org> X=\u0001").mailFrom(OPTS))).isEqualTo("555 5.5.4 Unsupported option: X= ");
    }

    @Test
    void xtextRoundTrip() {
        assertThat(Xtext.encode("a+b=c d\u00e9")).isEqualTo("a+2Bb+3Dc+20d+C3+A9");
        assertThat(Xtext.decode("a+2Bb+3dc")).isEqualTo("a+b=c");
        assertThat(Xtext.decode("plain")).isEqualTo("plain");
        assertThat(Xtext.decode("a+")).isNull();
        assertThat(Xtext.decode("a+2")).isNull();
        assertThat(Xtext.decode("a+GG")).isNull();
    }

    @Test
    void neverThrowsOtherExceptionsForAddressGarbage() {
        assertThatThrownBy(() -> c("MAIL FROM:<\"\\").mailFrom(OPTS)).isInstanceOf(SmtpSyntaxException.class);
        assertThatThrownBy(() -> c("MAIL FROM:<\"").mailFrom(OPTS)).isInstanceOf(SmtpSyntaxException.class);
        assertThatThrownBy(() -> c("MAIL FROM:<").mailFrom(OPTS)).isInstanceOf(SmtpSyntaxException.class);
        assertThatThrownBy(() -> c("MAIL FROM:>").mailFrom(OPTS)).isInstanceOf(SmtpSyntaxException.class);
    }
}
