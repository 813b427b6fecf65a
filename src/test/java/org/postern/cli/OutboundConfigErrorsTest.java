package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Outbound settings that cannot work stop the start with the file, line, value and a fix. */
class OutboundConfigErrorsTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "smtp_tls_security_level = verify|main.cf:4: smtp_tls_security_level: TLS security level 'verify' is not supported",
        "relayhost = [gw.example.test|main.cf:4: relayhost = [gw.example.test: missing ']'",
        "relayhost = [gw.example.test]:99999|bad port '99999'",
        "smtp_tcp_port = twentyfive|main.cf:4: smtp_tcp_port = twentyfive: use smtp, submission or a port number",
        "smtp_bind_address = not-an-ip|main.cf:4: smtp_bind_address = not-an-ip: not an IP address"})
    void refusesToStart(String line, String message, @TempDir Path dir) throws Exception {
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(etc.resolve("main.cf"), """
                myhostname = mx.example.test
                data_directory = %s
                inet_interfaces = 127.0.0.1
                %s
                """.formatted(dir.resolve("data"), line));
        Files.writeString(etc.resolve("master.cf"), "%d inet n - n - - smtpd\n".formatted(TestPostern.freePort()));
        try (Context context = new Context(etc)) {
            assertThatThrownBy(() -> PosternServer.start(context).close())
                    .isInstanceOf(PosternServer.StartException.class)
                    .hasMessageContaining(message);
        }
    }
}
