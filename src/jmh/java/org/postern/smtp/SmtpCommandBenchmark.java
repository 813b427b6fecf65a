package org.postern.smtp;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The SMTP command codec on the commands of one mail transaction: reading the lines from a
 * socket buffer ({@link CommandReader}), parsing them ({@link SmtpCommand}) and the MAIL and
 * RCPT arguments (address and ESMTP parameters).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SmtpCommandBenchmark {

    /** What a client pipelines for one message (RFC 2920): EHLO, MAIL with parameters, two RCPTs, DATA. */
    private static final byte[] TRANSACTION = ("EHLO client.example.net\r\n"
            + "MAIL FROM:<alice@example.net> SIZE=20480 BODY=8BITMIME\r\n"
            + "RCPT TO:<bob@example.test> NOTIFY=SUCCESS,FAILURE\r\n"
            + "RCPT TO:<carol@example.test>\r\n"
            + "DATA\r\n").getBytes(StandardCharsets.US_ASCII);

    @Benchmark
    public void readAndParseTransaction(Blackhole bh) throws IOException {
        CommandReader reader = new CommandReader(new ByteArrayInputStream(TRANSACTION));
        for (int i = 0; i < 5; i++) {
            bh.consume(SmtpCommand.parse(reader.readLine()));
        }
    }

    @Benchmark
    public MailFrom parseMailFrom() throws SmtpSyntaxException {
        return SmtpCommand.parse("MAIL FROM:<alice@example.net> SIZE=20480 BODY=8BITMIME")
                .mailFrom(EnvelopeOptions.POSTFIX_DEFAULT);
    }

    @Benchmark
    public RcptTo parseRcptTo() throws SmtpSyntaxException {
        return SmtpCommand.parse("RCPT TO:<bob@example.test> NOTIFY=SUCCESS,FAILURE")
                .rcptTo(EnvelopeOptions.POSTFIX_DEFAULT);
    }
}
