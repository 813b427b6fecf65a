package org.postern.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.Tag;
import org.postern.smtp.AuthCommand;
import org.postern.smtp.BdatCommand;
import org.postern.smtp.EnvelopeOptions;
import org.postern.smtp.MailFrom;
import org.postern.smtp.RcptTo;
import org.postern.smtp.SmtpCommand;
import org.postern.smtp.SmtpSyntaxException;

/**
 * SMTP command lines and their parameters (RFC 5321 section 4.1.1, RFC 1870 SIZE, RFC 3461 DSN,
 * RFC 3030 BDAT, RFC 4954 AUTH, XCLIENT): {@link SmtpCommand} promises that nothing but
 * {@link SmtpSyntaxException} comes out of its parsers for any bytes a client sends.
 */
@Tag("fuzz")
class SmtpCommandFuzzTest {

    private static final String[] PREFIXES = {
        "", "MAIL FROM:", "MAIL FROM:<", "RCPT TO:", "RCPT TO:<", "BDAT ", "AUTH ", "XCLIENT ", "EHLO ", "HELO ",
        "ETRN ", "VRFY ", "DATA", "RSET ", "STARTTLS ", "NOOP ",
    };

    @FuzzTest
    void commandLine(FuzzedDataProvider data) {
        EnvelopeOptions opts = new EnvelopeOptions(data.consumeBoolean(), data.consumeBoolean(),
                data.consumeBoolean(), data.consumeBoolean());
        String prefix = data.pickValue(PREFIXES);
        byte[] tail = data.consumeRemainingAsBytes();
        byte[] line = new byte[prefix.length() + tail.length];
        System.arraycopy(prefix.getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, line, 0, prefix.length());
        System.arraycopy(tail, 0, line, prefix.length(), tail.length);

        SmtpCommand cmd = SmtpCommand.parse(line, 0, line.length);
        assertThat(cmd.verb()).isNotNull();
        cmd.verbText();
        cmd.argument();
        cmd.lineText();
        cmd.isNonSmtp(SmtpCommand.DEFAULT_FORBIDDEN);
        assertThat(cmd.hasArgument()).isEqualTo(!cmd.arguments().isEmpty());

        try {
            cmd.helloName();
        } catch (SmtpSyntaxException expected) {
            assertThat(cmd.hasArgument()).isFalse();
        }
        try {
            cmd.requireNoArgument();
        } catch (SmtpSyntaxException expected) {
            assertThat(cmd.hasArgument()).isTrue();
        }
        try {
            cmd.etrnArgument();
        } catch (SmtpSyntaxException expected) {
            // the contract: a syntax reply
        }
        try {
            cmd.vrfyArgument();
        } catch (SmtpSyntaxException expected) {
            // the contract: a syntax reply
        }
        try {
            MailFrom from = cmd.mailFrom(opts);
            assertThat(from.sender()).isNotNull();
        } catch (SmtpSyntaxException expected) {
            assertThat(expected.reply()).isNotNull();
        }
        try {
            RcptTo to = cmd.rcptTo(opts);
            assertThat(to.recipient().isNull()).isFalse();
        } catch (SmtpSyntaxException expected) {
            assertThat(expected.reply()).isNotNull();
        }
        try {
            BdatCommand bdat = cmd.bdat();
            assertThat(bdat.size()).isNotNegative();
        } catch (SmtpSyntaxException expected) {
            assertThat(expected.reply()).isNotNull();
        }
        try {
            AuthCommand auth = cmd.auth();
            assertThat(auth.mechanism()).isNotNull();
        } catch (SmtpSyntaxException expected) {
            assertThat(expected.reply()).isNotNull();
        }
        try {
            assertThat(cmd.xclient()).isNotEmpty();
        } catch (SmtpSyntaxException expected) {
            assertThat(expected.reply()).isNotNull();
        }
    }
}
