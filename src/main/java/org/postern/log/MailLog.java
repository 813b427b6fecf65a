package org.postern.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import java.io.FileOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;

/**
 * The mail log: where Postern writes its Postfix-format lines ({@link PostfixLayout}).
 *
 * <p>Services log through SLF4J loggers named {@code postern.SERVICE} ({@link #logger}). By
 * default lines go to standard output; {@code maillog_file} sends them to a file instead.
 * Libraries' own chatter is kept at WARN so that the log stays a mail log.
 */
public final class MailLog {

    private static volatile QueuedOutputStream current;

    private MailLog() {
    }

    /** The logger of one service, e.g. {@code smtpd}, {@code qmgr}, {@code virtual}. */
    public static org.slf4j.Logger logger(String service) {
        return LoggerFactory.getLogger("postern." + service);
    }

    /**
     * (Re)configures logging.
     *
     * @param hostname   the host name shown on each line ({@code myhostname})
     * @param syslogName the program prefix ({@code syslog_name}, e.g. {@code postern})
     * @param file       {@code maillog_file}, or null for standard output
     * @param verbose    also log debug lines
     */
    public static void configure(String hostname, String syslogName, Path file, boolean verbose) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();

        PostfixLayout layout = new PostfixLayout();
        layout.setContext(context);
        layout.setHostname(hostname);
        layout.setSyslogName(syslogName);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();

        // Lines are written by one platform thread (QueuedOutputStream), not by the virtual
        // threads that log them; a console target is never closed by a reconfiguration.
        OutputStream target;
        try {
            target = file == null ? new FilterOutputStream(System.out) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                }

                @Override
                public void close() throws IOException {
                    flush();
                }
            } : openForAppend(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open maillog_file " + file + ": " + e.getMessage(), e);
        }
        QueuedOutputStream queued = new QueuedOutputStream(target, "maillog-writer");
        OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
        appender.setImmediateFlush(false);
        appender.setOutputStream(queued);
        appender.setContext(context);
        appender.setName("maillog");
        appender.setEncoder(encoder);
        appender.start();

        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(appender);
        context.getLogger("postern").setLevel(verbose ? Level.DEBUG : Level.INFO);
        current = queued;
    }

    private static OutputStream openForAppend(Path file) throws IOException {
        if (file.toAbsolutePath().getParent() != null) {
            java.nio.file.Files.createDirectories(file.toAbsolutePath().getParent());
        }
        return new FileOutputStream(file.toFile(), true);
    }

    /** Waits until every line logged so far is written (tests read the log file). */
    public static void flush() {
        QueuedOutputStream q = current;
        if (q != null) {
            try {
                q.flush();
            } catch (IOException e) {
                System.err.println("postern: cannot write the mail log: " + e.getMessage());
            }
        }
    }

    /** Writes the remaining lines and closes the log (at the end of {@code serve}). */
    public static void close() {
        ((LoggerContext) LoggerFactory.getILoggerFactory()).stop();
        current = null;
    }
}
