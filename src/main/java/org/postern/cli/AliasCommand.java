package org.postern.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.postern.store.Alias;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code postern alias ...}: virtual aliases, the {@code postern:aliases} table. */
@Command(name = "alias", description = "Manage aliases (forwarding addresses, catch-alls).",
        subcommands = {AliasCommand.Add.class, AliasCommand.ListAliases.class, AliasCommand.Remove.class})
final class AliasCommand {

    @Command(name = "add", description = {
        "Deliver mail for SOURCE to each DESTINATION. SOURCE is user@domain, or @domain for a catch-all;",
        "its domain must be hosted. Destinations may be local or remote addresses."})
    static final class Add extends ContextCommand {
        @Parameters(index = "0", paramLabel = "SOURCE")
        String source;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "DESTINATION")
        List<String> destinations;

        @Override
        protected int run(Context context) throws Exception {
            for (String destination : destinations) {
                context.accounts().addAlias(source, destination);
                out().println("added alias " + source.toLowerCase(Locale.ROOT) + " -> " + destination.toLowerCase(Locale.ROOT));
            }
            return 0;
        }
    }

    @Command(name = "list", description = "List aliases, of one domain or all.")
    static final class ListAliases extends ContextCommand {
        @Parameters(paramLabel = "DOMAIN", arity = "0..1")
        String domain;

        @Option(names = "--json", description = "Print JSON for scripts.")
        boolean json;

        @Override
        protected int run(Context context) throws Exception {
            List<Alias> aliases = domain == null ? context.accounts().listAliases() : context.accounts().listAliases(domain);
            if (json) {
                out().println(Json.write(aliases.stream().map(a -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("source", a.source());
                    m.put("destination", a.destination());
                    return m;
                }).toList()));
                return 0;
            }
            Table table = new Table("SOURCE", "DESTINATION");
            aliases.forEach(a -> table.row(a.source(), a.destination()));
            table.print(out());
            return 0;
        }
    }

    @Command(name = "remove", description = "Remove an alias: one destination, or all of SOURCE's when none is given.")
    static final class Remove extends ContextCommand {
        @Parameters(index = "0", paramLabel = "SOURCE")
        String source;

        @Parameters(index = "1", arity = "0..1", paramLabel = "DESTINATION")
        String destination;

        @Override
        protected int run(Context context) throws Exception {
            if (destination == null) {
                int n = context.accounts().removeAlias(source);
                out().println("removed " + n + (n == 1 ? " alias" : " aliases") + " of " + source.toLowerCase(Locale.ROOT));
            } else {
                context.accounts().removeAlias(source, destination);
                out().println("removed alias " + source.toLowerCase(Locale.ROOT) + " -> " + destination.toLowerCase(Locale.ROOT));
            }
            return 0;
        }
    }
}
