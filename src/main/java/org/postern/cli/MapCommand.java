package org.postern.cli;

import java.util.Optional;
import org.postern.lookup.LookupTable;
import org.postern.lookup.TableConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code postern map query TYPE:NAME KEY}: one lookup, like {@code postmap -q}. */
@Command(name = "map", description = "Query lookup tables.", subcommands = MapCommand.Query.class)
final class MapCommand {

    @Command(name = "query", description = {
        "Look KEY up in TYPE:NAME and print the value, like postmap -q.",
        "The key is used exactly as given (no user@domain or parent-domain search).",
        "Exit status: 0 found, 1 not found, 2 temporary failure (e.g. database down)."})
    static final class Query extends ContextCommand {
        @Parameters(index = "0", paramLabel = "TYPE:NAME")
        String table;

        @Parameters(index = "1", paramLabel = "KEY")
        String key;

        @Override
        protected int run(Context context) throws Exception {
            LookupTable opened;
            try {
                opened = context.tables().open(table);
            } catch (TableConfigException e) {
                throw new CliException(e.getMessage());
            }
            try (opened) {
                Optional<String> value = opened.find(key);
                if (value.isEmpty()) {
                    return 1;
                }
                out().println(value.get());
                return 0;
            }
        }
    }
}
