package org.postern.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.postern.config.ConfigException;
import org.postern.config.ConfigProblem;
import org.postern.config.Configuration;
import org.postern.config.MainCf;
import org.postern.config.RestrictionChecker;
import org.postern.config.Setting;
import org.postern.config.TableChecker;

/**
 * main.cf (postconf(5) syntax, parameter values and $name expansion): parsing never throws and
 * every problem names the file and a line of it; loading a configuration fails only with a
 * {@link ConfigException} whose errors each point at a line.
 */
@Tag("fuzz")
class MainCfFuzzTest {
    private static final Path DIR = Path.of("/etc/postern-fuzz");

    @FuzzTest
    void parse(FuzzedDataProvider data) {
        String text = ConfigText.mainCf(data);
        MainCf cf = MainCf.parse(DIR.resolve("main.cf"), text);
        int lines = text.split("\r?\n", -1).length;
        for (ConfigProblem p : cf.problems()) {
            assertThat(p.origin().isFile()).isTrue();
            assertThat(p.origin().line()).isBetween(1, lines);
        }
        for (Setting s : cf.settings()) {
            assertThat(s.origin().line()).isBetween(1, lines);
            assertThat(s.name()).isNotBlank();
        }
    }

    @FuzzTest
    void load(FuzzedDataProvider data) {
        String text = ConfigText.mainCf(data);
        try {
            Configuration c = Configuration.fromText(DIR, text, null, TableChecker.NONE, RestrictionChecker.NONE);
            // Every parameter's value can be read (expanded) once the configuration loaded.
            for (String name : ConfigText.names()) {
                c.main().get(name);
            }
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
