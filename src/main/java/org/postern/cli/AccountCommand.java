package org.postern.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * Base of the account commands (domain, user, alias, sender-login): all take {@code --json}, so
 * scripts get a JSON document on standard output instead of a sentence or a table.
 */
abstract class AccountCommand extends ContextCommand {

    @Option(names = "--json", description = "Print JSON for scripts.")
    boolean json;

    /** Reports a change: the sentence for people, or {@code {"action": ..., key: value, ...}} with --json. */
    protected int done(String sentence, String action, Object... keyValues) {
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("action", action);
            for (int i = 0; i + 1 < keyValues.length; i += 2) {
                m.put(String.valueOf(keyValues[i]), keyValues[i + 1]);
            }
            out().println(Json.write(m));
        } else {
            out().println(sentence);
        }
        return 0;
    }
}
