package org.postern.log;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.LayoutBase;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Formats log events the way Postfix's maillog lines look, so that fail2ban filters, pflogsumm
 * and operators' grep habits keep working:
 *
 * <pre>Nov 28 01:23:49 mx postern/smtpd[4711]: 3F2A1C0D: client=unknown[198.51.100.7]</pre>
 *
 * <p>The program part is {@code syslog_name/service}: the service is the last segment of the
 * logger name ({@code postern.smtpd} gives {@code smtpd}); loggers outside Postern are shown as
 * {@code master}. A per-thread {@code syslog_name} in the MDC (a listener's {@code -o
 * syslog_name=postern/submission}) replaces the global one. Warnings and errors carry Postfix's
 * {@code warning: } and {@code error: } prefixes.
 */
public class PostfixLayout extends LayoutBase<ILoggingEvent> {

    /** MDC key for a listener's own syslog_name. */
    public static final String MDC_SYSLOG_NAME = "syslog_name";

    // The traditional syslog timestamp: day of month padded with a space ("Nov  3").
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("MMM ppd HH:mm:ss", Locale.ROOT).withZone(ZoneId.systemDefault());
    private static final long PID = ProcessHandle.current().pid();

    private volatile String hostname = "localhost";
    private volatile FormattedSecond lastSecond;
    private volatile String syslogName = "postern";

    public void setHostname(String hostname) {
        this.hostname = hostname;
    }

    public void setSyslogName(String syslogName) {
        this.syslogName = syslogName;
    }

    @Override
    public String doLayout(ILoggingEvent event) {
        StringBuilder line = new StringBuilder(160);
        line.append(timestamp(event.getTimeStamp())).append(' ')
                .append(hostname).append(' ');
        // A listener's syslog_name names its smtpd only; queue and delivery lines keep the global
        // name, as Postfix's cleanup and qmgr do.
        String service = service(event.getLoggerName());
        String name = service.equals("smtpd") ? event.getMDCPropertyMap().get(MDC_SYSLOG_NAME) : null;
        line.append(name != null ? name : syslogName).append('/').append(service)
                .append('[').append(PID).append("]: ");
        Level level = event.getLevel();
        if (level == Level.ERROR) {
            line.append("error: ");
        } else if (level == Level.WARN) {
            line.append("warning: ");
        }
        line.append(event.getFormattedMessage());
        IThrowableProxy thrown = event.getThrowableProxy();
        if (thrown != null) {
            line.append(CoreConstants.LINE_SEPARATOR).append(ThrowableProxyUtil.asString(thrown));
        }
        return line.append(CoreConstants.LINE_SEPARATOR).toString();
    }

    /** The timestamp of this second, formatted once per second rather than once per line. */
    private String timestamp(long epochMilli) {
        long second = Math.floorDiv(epochMilli, 1000);
        FormattedSecond last = lastSecond;
        if (last == null || last.second != second) {
            last = new FormattedSecond(second, TIME.format(Instant.ofEpochSecond(second)));
            lastSecond = last;
        }
        return last.text;
    }

    private record FormattedSecond(long second, String text) {
    }

    static String service(String loggerName) {
        if (loggerName == null || !loggerName.startsWith("postern.")) {
            return "master";
        }
        return loggerName.substring(loggerName.lastIndexOf('.') + 1);
    }
}
