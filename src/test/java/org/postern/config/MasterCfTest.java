package org.postern.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class MasterCfTest {

    private static final Path FILE = Path.of("/etc/postern/master.cf");

    static String resource(String name) throws IOException {
        try (InputStream in = MasterCfTest.class.getResourceAsStream("/config/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void parsesDebianStockShape() throws IOException {
        MasterCf cf = MasterCf.parse(FILE, resource("debian12-master.cf"));
        assertThat(cf.problems()).isEmpty();
        assertThat(cf.services()).extracting(MasterService::key).contains("smtp/inet", "submission/inet",
                "submissions/inet", "pickup/unix", "cleanup/unix", "qmgr/unix", "smtp/unix", "postlog/unix-dgram",
                "maildrop/unix");
        MasterService submission = cf.services().stream().filter(s -> s.key().equals("submission/inet")).findFirst().orElseThrow();
        assertThat(submission.command()).isEqualTo("smtpd");
        assertThat(submission.chroot()).isEqualTo("y");
        assertThat(submission.origin()).isEqualTo(Origin.of(FILE, 15));
        assertThat(submission.overrides()).extracting(Setting::name).containsExactly("syslog_name",
                "smtpd_tls_security_level", "smtpd_sasl_auth_enable", "smtpd_tls_auth_only",
                "smtpd_reject_unlisted_recipient", "smtpd_recipient_restrictions", "smtpd_relay_restrictions",
                "milter_macro_daemon_name");
        assertThat(submission.overrides().get(5).value()).isEmpty();
        assertThat(submission.overrides()).allMatch(s -> s.origin().equals(Origin.of(FILE, 15)));
        MasterService maildrop = cf.services().stream().filter(s -> s.name().equals("maildrop")).findFirst().orElseThrow();
        assertThat(maildrop.args()).containsExactly("flags=DRXhu", "user=vmail", "argv=/usr/bin/maildrop", "-d", "${recipient}");
        MasterService tlsmgr = cf.services().stream().filter(s -> s.name().equals("tlsmgr")).findFirst().orElseThrow();
        assertThat(tlsmgr.wakeup()).isEqualTo("1000?");
    }

    @Test
    void longFormOverrideKeepsSpaces() {
        MasterCf cf = MasterCf.parse(FILE, """
                submission inet n - n - - smtpd
                  -o { smtpd_reject_footer = Contact   postmaster@example.test }
                  -o {smtpd_client_restrictions=permit_sasl_authenticated, reject}
                  -v
                """);
        assertThat(cf.problems()).isEmpty();
        MasterService s = cf.services().getFirst();
        assertThat(s.overrides()).containsExactly(
                new Setting("smtpd_reject_footer", "Contact   postmaster@example.test", Origin.of(FILE, 1)),
                new Setting("smtpd_client_restrictions", "permit_sasl_authenticated, reject", Origin.of(FILE, 1)));
        assertThat(s.args()).containsExactly("-v");
    }

    @Test
    void laterServiceWithSameNameAndTypeReplacesEarlier() {
        MasterCf cf = MasterCf.parse(FILE, """
                smtp inet n - n - - smtpd
                smtp unix - - n - - smtp
                smtp inet n - n - - smtpd -o smtpd_helo_required=yes
                """);
        assertThat(cf.services()).hasSize(2);
        assertThat(cf.services().getFirst().overrides()).extracting(Setting::value).containsExactly("yes");
        assertThat(cf.problems()).singleElement().hasToString("/etc/postern/master.cf:3: warning: smtp inet: replaces "
                + "the service defined at /etc/postern/master.cf:1; remove one of the two entries; the later one wins");
    }

    @Test
    void reportsMalformedLines() {
        MasterCf cf = MasterCf.parse(FILE, """
                  -o orphan=1
                smtp inet n - n - smtpd
                smtp inet n - n - - smtpd -o
                submission inet n - n - - smtpd -o nameonly
                submissions inet n - n - - smtpd -o { a b = c }
                x tcp z - n - - smtpd
                y inet n - n soon - smtpd -o { unclosed
                """);
        assertThat(cf.services()).isEmpty();
        assertThat(cf.problems()).allMatch(ConfigProblem::isError).extracting(ConfigProblem::toString).containsExactly(
                "/etc/postern/master.cf:1: error: -o orphan=1: continuation line before any setting; remove the leading whitespace to start a new setting",
                "/etc/postern/master.cf:2: error: smtp inet n - n - smtpd: a service needs 8 fields, found 7; write: service type private unpriv chroot wakeup maxproc command [args]",
                "/etc/postern/master.cf:3: error: -o: missing name=value after -o in service smtp; write -o name=value or -o { name = value }",
                "/etc/postern/master.cf:4: error: -o nameonly: bad parameter override; write -o name=value (no spaces) or -o { name = value }",
                "/etc/postern/master.cf:5: error: -o { a b = c }: bad parameter override; write -o name=value (no spaces) or -o { name = value }",
                "/etc/postern/master.cf:6: error: tcp: unknown service type for service x; use one of inet, unix, unix-dgram, fifo or pass",
                "/etc/postern/master.cf:6: error: z: bad private field for service x; use y, n or -",
                "/etc/postern/master.cf:7: error: y inet n - n soon - smtpd -o { unclosed: missing '}'; close every '{' with '}'");
    }
}
