package org.postern.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

class ConfigOutputTest {

    @Test
    void docsParametersMdIsUpToDate() throws Exception {
        Path docs = Path.of("docs/parameters.md");
        String generated = ConfigOutput.markdownReference();
        if (Boolean.getBoolean("postern.updateDocs")) {
            ConfigOutput.main(new String[] {docs.toString()});
        }
        assertThat(Files.exists(docs) ? Files.readString(docs) : "")
                .as("docs/parameters.md is out of date; regenerate it with "
                        + "mvn -q -B test -Dtest=ConfigOutputTest -Dpostern.updateDocs=true")
                .isEqualTo(generated);
    }

    @Test
    void postconfPrintsRawValues() throws Exception {
        Configuration c = Configuration.fromText(Path.of("/etc/postern"),
                "myhostname = mx.example.test\nsmtpd_banner = $myhostname hi\nrelayhost =\n", null,
                TableChecker.NONE, RestrictionChecker.NONE);
        assertThat(ConfigOutput.postconf(c.main(), true, List.of()))
                .isEqualTo("myhostname = mx.example.test\nrelayhost =\nsmtpd_banner = $myhostname hi\n");
        assertThat(ConfigOutput.postconf(c.main(), false, List.of("smtpd_timeout", "smtpd_banner")))
                .isEqualTo("smtpd_timeout = 300s\nsmtpd_banner = $myhostname hi\n");
        assertThat(ConfigOutput.postconf(c.main(), false, List.of())).contains("virtual_transport = virtual\n");
        assertThatThrownBy(() -> ConfigOutput.postconf(c.main(), false, List.of("smtpd_timout")))
                .isInstanceOf(ConfigException.class)
                .hasMessage("command line: error: smtpd_timout: unknown parameter; did you mean smtpd_timeout?");
    }

    @Test
    void defaultsAsMainCfLoadsBackWithoutProblems() throws Exception {
        String text = ConfigOutput.defaultsAsMainCf();
        assertThat(text).contains("# Base directory of Maildir mailboxes.\nvirtual_mailbox_base = $data_directory/mail\n");
        Configuration c = Configuration.fromText(Path.of("/tmp/x"), text, null, TableChecker.NONE, RestrictionChecker.NONE);
        assertThat(c.warnings()).isEmpty();
    }
}
