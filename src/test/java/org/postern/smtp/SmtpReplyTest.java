package org.postern.smtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class SmtpReplyTest {

    private static String wire(SmtpReply r) {
        return TestStreams.text(r.wireBytes());
    }

    @Test
    void singleLine() throws Exception {
        SmtpReply r = SmtpReply.of(250, "2.1.0", "Ok");
        assertThat(wire(r)).isEqualTo("250 2.1.0 Ok\r\n");
        assertThat(r.code()).isEqualTo(250);
        assertThat(r.enhancedCode()).isEqualTo("2.1.0");
        assertThat(r.text()).isEqualTo("Ok");
        assertThat(r.isPositive()).isTrue();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        r.writeTo(out);
        assertThat(out.toByteArray()).isEqualTo(r.wireBytes());
        assertThat(wire(SmtpReply.of(220, null, "mx.example.com ESMTP Postfix"))).isEqualTo("220 mx.example.com ESMTP Postfix\r\n");
    }

    @Test
    void multilineRepeatsTheEnhancedCode() {
        SmtpReply r = SmtpReply.multiline(550, "5.7.1", List.of("first", "second", "third"));
        assertThat(wire(r)).isEqualTo("550-5.7.1 first\r\n550-5.7.1 second\r\n550 5.7.1 third\r\n");
        assertThat(r.isPermanent()).isTrue();
        assertThat(wire(SmtpReply.multiline(250, null, List.of("host", "PIPELINING")))).isEqualTo("250-host\r\n250 PIPELINING\r\n");
    }

    @Test
    void textCannotInjectLines() {
        assertThat(wire(SmtpReply.of(554, "5.7.1", "a\r\n250 2.0.0 Ok\u0000"))).isEqualTo("554 5.7.1 a  250 2.0.0 Ok \r\n");
    }

    @Test
    void validation() {
        assertThatThrownBy(() -> SmtpReply.of(199, null, "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SmtpReply.of(600, null, "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SmtpReply.of(550, "5.1", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SmtpReply.of(550, "3.1.1", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SmtpReply.of(550, "5.1.1x", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SmtpReply.multiline(550, null, List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThat(SmtpReply.of(550, "5.7.27", "x").enhancedCode()).isEqualTo("5.7.27");
        assertThat(SmtpReply.of(556, "5.1.10", "x").enhancedCode()).isEqualTo("5.1.10");
    }

    @Test
    void classification() {
        assertThat(Replies.timeout("mx.example.com").closesConnection()).isTrue();
        assertThat(Replies.BDAT_SYNTAX.closesConnection()).isTrue();
        assertThat(Replies.TLS_NOT_AVAILABLE.isTransient()).isTrue();
        assertThat(Replies.OK.closesConnection()).isFalse();
        assertThat(Replies.OK.withText("Ok: queued").toString()).isEqualTo("250 2.0.0 Ok: queued");
        assertThat(Replies.OK).isEqualTo(SmtpReply.of(250, "2.0.0", "Ok")).hasSameHashCodeAs(SmtpReply.of(250, "2.0.0", "Ok"));
    }

    @Test
    void postfixTexts() {
        assertThat(Replies.OK.toString()).isEqualTo("250 2.0.0 Ok");
        assertThat(Replies.MAIL_OK.toString()).isEqualTo("250 2.1.0 Ok");
        assertThat(Replies.RCPT_OK.toString()).isEqualTo("250 2.1.5 Ok");
        assertThat(Replies.START_DATA.toString()).isEqualTo("354 End data with <CR><LF>.<CR><LF>");
        assertThat(Replies.BYE.toString()).isEqualTo("221 2.0.0 Bye");
        assertThat(Replies.COMMAND_NOT_RECOGNIZED.toString()).isEqualTo("500 5.5.2 Error: command not recognized");
        assertThat(Replies.COMMAND_NOT_IMPLEMENTED.toString()).isEqualTo("502 5.5.1 Error: command not implemented");
        assertThat(Replies.NULL_BDAT.toString()).isEqualTo("551 5.7.1 Null BDAT request");
        assertThat(Replies.XCLIENT_NOT_AUTHORIZED.toString()).isEqualTo("550 5.7.0 Error: insufficient authorization");
        assertThat(Replies.NEED_MAIL.toString()).isEqualTo("503 5.5.1 Error: need MAIL command");
        assertThat(Replies.NEED_RCPT.toString()).isEqualTo("503 5.5.1 Error: need RCPT command");
        assertThat(Replies.NESTED_MAIL.toString()).isEqualTo("503 5.5.1 Error: nested MAIL command");
        assertThat(Replies.NO_VALID_RECIPIENTS.toString()).isEqualTo("554 5.5.1 Error: no valid recipients");
        assertThat(Replies.VRFY_DISABLED.toString()).isEqualTo("502 5.5.1 VRFY command is disabled");
        assertThat(Replies.MUST_ISSUE_STARTTLS.toString()).isEqualTo("530 5.7.0 Must issue a STARTTLS command first");
        assertThat(Replies.READY_TO_START_TLS.toString()).isEqualTo("220 2.0.0 Ready to start TLS");
        assertThat(Replies.TLS_NOT_AVAILABLE.toString()).isEqualTo("454 4.7.0 TLS not available due to local problem");
        assertThat(Replies.SIZE_EXCEEDS_FIXED_LIMIT.toString()).isEqualTo("552 5.3.4 Message size exceeds fixed limit");
        assertThat(Replies.I_CAN_BREAK_RULES.toString()).isEqualTo("221 2.7.0 Error: I can break rules, too. Goodbye.");
        assertThat(Replies.PROTOCOL_SYNCHRONIZATION.toString()).isEqualTo("554 5.5.0 Error: SMTP protocol synchronization");
        assertThat(Replies.AUTH_SUCCESSFUL.toString()).isEqualTo("235 2.7.0 Authentication successful");
        assertThat(Replies.AUTH_NOT_ENABLED.toString()).isEqualTo("503 5.5.1 Error: authentication not enabled");
        assertThat(Replies.ALREADY_AUTHENTICATED.toString()).isEqualTo("503 5.5.1 Error: already authenticated");
        assertThat(Replies.MAIL_TRANSACTION_IN_PROGRESS.toString()).isEqualTo("503 5.5.1 Error: MAIL transaction in progress");
        assertThat(Replies.SEND_HELO_FIRST.toString()).isEqualTo("503 5.5.1 Error: send HELO/EHLO first");
        assertThat(Replies.AUTH_ABORTED.toString()).isEqualTo("501 5.7.0 Authentication aborted");
        assertThat(Replies.authFailed("bad password").toString()).isEqualTo("535 5.7.8 Error: authentication failed: bad password");
        assertThat(Replies.timeout("mx.example.com").toString()).isEqualTo("421 4.4.2 mx.example.com Error: timeout exceeded");
        assertThat(Replies.bareLf(550, "mx.example.com").toString()).isEqualTo("550 5.5.2 mx.example.com Error: bare <LF> received");
        assertThat(Replies.vrfy("<bob@example.org>").toString()).isEqualTo("252 2.0.0 <bob@example.org>");
        assertThat(Replies.queued("4Xyz1").toString()).isEqualTo("250 2.0.0 Ok: queued as 4Xyz1");
        assertThat(wire(Replies.challenge(""))).isEqualTo("334 \r\n");
        assertThat(Replies.greeting("mx ESMTP").toString()).isEqualTo("220 mx ESMTP");
    }
}
