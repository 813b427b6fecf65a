package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CliReferenceTest {

    @Test
    void docsCliMdIsUpToDate() throws Exception {
        Path docs = Path.of("docs/cli.md");
        String generated = CliReference.markdown();
        if (Boolean.getBoolean("postern.updateDocs")) {
            Files.writeString(docs, generated);
        }
        assertThat(Files.exists(docs) ? Files.readString(docs) : "")
                .as("docs/cli.md is out of date; regenerate it with "
                        + "mvn -q -B test -Dtest=CliReferenceTest -Dpostern.updateDocs=true")
                .isEqualTo(generated);
        assertThat(generated).contains("## `postern user add`").contains("--password-stdin")
                .contains("## `postern map query`");
    }
}
