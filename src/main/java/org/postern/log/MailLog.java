package org.postern.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
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

        OutputStreamAppender<ILoggingEvent> appender;
        if (file == null) {
            appender = new ConsoleAppender<>();
        } else {
            FileAppender<ILoggingEvent> fileAppender = new FileAppender<>();
            fileAppender.setFile(file.toString());
            fileAppender.setAppend(true);
            appender = fileAppender;
        }
        appender.setContext(context);
        appender.setName("maillog");
        appender.setEncoder(encoder);
        appender.start();

        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(appender);
        context.getLogger("postern").setLevel(verbose ? Level.DEBUG : Level.INFO);
    }
}
