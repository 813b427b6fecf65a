package org.postern.log;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PostfixLayoutTest {

    private final PostfixLayout layout = new PostfixLayout();

    private LoggingEvent event(String logger, Level level, String message) {
        return event(logger, level, message, Map.of());
    }

    private LoggingEvent event(String logger, Level level, String message, Map<String, String> mdc) {
        LoggerContext context = (LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory();
        LoggingEvent e = new LoggingEvent(getClass().getName(), context.getLogger(logger), level, message, null, null);
        e.setTimeStamp(0);
        e.setMDCPropertyMap(mdc);
        return e;
    }

    @Test
    void formatsLikePostfixMaillog() {
        layout.setHostname("mx.example.test");
        String line = layout.doLayout(event("postern.smtpd", Level.INFO, "connect from unknown[198.51.100.7]"));
        assertThat(line).matches("[A-Z][a-z]{2} [ 0-9]\\d \\d\\d:\\d\\d:\\d\\d mx\\.example\\.test postern/smtpd\\[\\d+\\]: "
                + "connect from unknown\\[198\\.51\\.100\\.7\\]\\R");
    }

    @Test
    void warningsCarryPostfixPrefix() {
        String line = layout.doLayout(event("postern.smtpd", Level.WARN,
                "unknown[1.2.3.4]: SASL LOGIN authentication failed: authentication failure"));
        assertThat(line).contains("postern/smtpd[").contains("]: warning: unknown[1.2.3.4]: SASL LOGIN");
    }

    @Test
    void listenerSyslogNameFromMdcAndForeignLoggersAsMaster() {
        LoggingEvent e = event("postern.smtpd", Level.INFO, "x", Map.of(PostfixLayout.MDC_SYSLOG_NAME, "postern/submission"));
        assertThat(layout.doLayout(e)).contains(" postern/submission/smtpd[");
        assertThat(layout.doLayout(event("com.zaxxer.hikari.Pool", Level.ERROR, "boom"))).contains(" postern/master[")
                .contains("]: error: boom");
    }
}
