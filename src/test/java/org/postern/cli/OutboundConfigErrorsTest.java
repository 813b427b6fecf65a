package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Outbound settings that cannot work stop the start with the file, line, value and a fix. */
class OutboundConfigErrorsTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "smtp_tls_security_level = dane-only|main.cf:4: smtp_tls_security_level: TLS security level 'dane-only' is not supported",
        "smtp_tls_security_level = fingerprint|main.cf:4: smtp_tls_security_level = fingerprint, but "
                + "smtp_tls_fingerprint_cert_match is empty",
        "smtp_tls_CAfile = /nonexistent/ca.pem|main.cf:4: smtp_tls_CAfile = /nonexistent/ca.pem: cannot read "
                + "/nonexistent/ca.pem: no such file or directory",
        "smtp_tls_CApath = /nonexistent/certs|main.cf:4: smtp_tls_CApath = /nonexistent/certs: cannot read directory "
                + "/nonexistent/certs: no such file or directory",
        "relayhost = [gw.example.test|main.cf:4: relayhost = [gw.example.test: missing ']'",
        "relayhost = [gw.example.test]:99999|bad port '99999'",
        "smtp_tcp_port = twentyfive|main.cf:4: smtp_tcp_port = twentyfive: use smtp, submission or a port number",
        "smtp_bind_address = not-an-ip|main.cf:4: smtp_bind_address = not-an-ip: not an IP address"})
    void refusesToStart(String line, String message, @TempDir Path dir) throws Exception {
        assertStartFails(line, message, dir);
    }

    @Test
    void caFileWithoutACertificateIsRefused(@TempDir Path dir) throws Exception {
        Path notPem = Files.writeString(dir.resolve("ca.pem"), "# the bundle was never filled in\n");
        assertStartFails("smtp_tls_CAfile = " + notPem, "main.cf:4: smtp_tls_CAfile = " + notPem + ": " + notPem
                + " holds no PEM certificate", dir);
    }

    private static void assertStartFails(String line, String message, Path dir) throws Exception {
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
