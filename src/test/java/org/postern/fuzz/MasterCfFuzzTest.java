package org.postern.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.postern.config.ConfigException;
import org.postern.config.ConfigProblem;
import org.postern.config.Configuration;
import org.postern.config.MasterCf;
import org.postern.config.MasterService;
import org.postern.config.RestrictionChecker;
import org.postern.config.TableChecker;

/**
 * master.cf (master(5): eight fields, -o overrides in both forms, continuation lines): parsing
 * never throws and every problem names a line; loading fails only with a {@link ConfigException}.
 */
@Tag("fuzz")
class MasterCfFuzzTest {
    private static final Path DIR = Path.of("/etc/postern-fuzz");
    private static final String[] PIECES = {
        "smtp", "submission", "smtps", "inet", "unix", "n", "y", "-", "1", "10?", "smtpd", "-o", "{", "}",
        "smtpd_tls_security_level=encrypt", "{ smtpd_sasl_auth_enable = yes }", "syslog_name=postfix/submission",
        "127.0.0.1:2525", "[::1]:587", " ", "  ", "\n ", "\n", "\t", "#", "=",
    };

    private static String text(FuzzedDataProvider data) {
        StringBuilder sb = new StringBuilder();
        int n = data.consumeInt(0, 40);
        for (int i = 0; i < n && data.remainingBytes() > 0; i++) {
            sb.append(data.consumeBoolean() ? data.pickValue(PIECES) : data.consumeString(12));
            sb.append(data.consumeBoolean() ? " " : "");
        }
        return sb.append(data.consumeRemainingAsString()).toString();
    }

    @FuzzTest
    void parse(FuzzedDataProvider data) {
        String text = text(data);
        MasterCf cf = MasterCf.parse(DIR.resolve("master.cf"), text);
        int lines = text.split("\r?\n", -1).length;
        for (ConfigProblem p : cf.problems()) {
            assertThat(p.origin().line()).isBetween(1, lines);
        }
        for (MasterService s : cf.services()) {
            assertThat(s.origin().line()).isBetween(1, lines);
        }
    }

    @FuzzTest
    void load(FuzzedDataProvider data) {
        String text = text(data);
        try {
            Configuration.fromText(DIR, null, text, TableChecker.NONE, RestrictionChecker.NONE);
        } catch (ConfigException e) {
            assertThat(e.problems()).isNotEmpty();
            for (ConfigProblem p : e.problems()) {
                if (p.isError()) {
                    assertThat(p.origin().isFile()).as("%s", p).isTrue();
                }
            }
        }
    }
}
