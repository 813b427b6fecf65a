package org.postern.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

class MainCfTest {

    private static final Path FILE = Path.of("/etc/postern/main.cf");

    @Test
    void joinsContinuationLinesAndSkipsComments() {
        MainCf cf = MainCf.parse(FILE, """
                # comment
                myhostname = mx.example.test

                smtpd_client_restrictions = permit_mynetworks,
                   # a comment between continuation lines
                \tpermit_sasl_authenticated,

                  reject
                  empty =
                """);
        assertThat(cf.problems()).isEmpty();
        assertThat(cf.settings()).containsExactly(
                new Setting("myhostname", "mx.example.test", Origin.of(FILE, 2)),
                new Setting("smtpd_client_restrictions", "permit_mynetworks, permit_sasl_authenticated, reject empty =",
                        Origin.of(FILE, 4)));
    }

    @Test
    void trimsAroundEqualsAndKeepsEqualsInValue() {
        MainCf cf = MainCf.parse(FILE, "  \n  # x\nsmtpd_banner   =   a = b   \n");
        assertThat(cf.settings()).containsExactly(new Setting("smtpd_banner", "a = b", Origin.of(FILE, 3)));
    }

    @Test
    void laterSettingOverridesWithWarningNamingBothLines() {
        MainCf cf = MainCf.parse(FILE, "relayhost = a\nmyhostname = h\nrelayhost = b\n");
        assertThat(cf.settings()).extracting(Setting::name).containsExactly("relayhost", "myhostname");
        assertThat(cf.settings().getFirst().value()).isEqualTo("b");
        assertThat(cf.settings().getFirst().origin()).isEqualTo(Origin.of(FILE, 3));
        assertThat(cf.problems()).singleElement().satisfies(p -> {
            assertThat(p.isError()).isFalse();
            assertThat(p.toString()).isEqualTo("/etc/postern/main.cf:3: warning: relayhost: overrides the setting at "
                    + "/etc/postern/main.cf:1; remove one of the two lines; the later one wins");
        });
    }

    @Test
    void reportsEveryMalformedLineWithFileAndLine() {
        MainCf cf = MainCf.parse(FILE, """
                  continued before anything
                no equals sign here
                bad name = x
                b@d = x
                good = yes
                """);
        List<String> messages = cf.problems().stream().map(ConfigProblem::toString).toList();
        assertThat(cf.problems()).allMatch(ConfigProblem::isError);
        assertThat(messages).containsExactly(
                "/etc/postern/main.cf:1: error: continued before anything: continuation line before any setting; "
                        + "remove the leading whitespace to start a new setting",
                "/etc/postern/main.cf:2: error: no equals sign here: missing '=' in a parameter setting; write name = value",
                "/etc/postern/main.cf:3: error: bad name = x: illegal parameter name 'bad name'; a name has only letters, "
                        + "digits, '_' and '-' (a line that continues the previous setting must start with whitespace)",
                "/etc/postern/main.cf:4: error: b@d = x: illegal parameter name 'b@d'; a name has only letters, "
                        + "digits, '_' and '-' (a line that continues the previous setting must start with whitespace)");
        assertThat(cf.settings()).extracting(Setting::name).containsExactly("good");
    }

    @Test
    void emptyNameIsReported() {
        MainCf cf = MainCf.parse(FILE, "= value\n");
        assertThat(cf.problems()).singleElement().hasToString(
                "/etc/postern/main.cf:1: error: = value: missing parameter name before '='; write name = value");
    }
}
