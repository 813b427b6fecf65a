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
    static final class Add extends AccountCommand {
        @Parameters(index = "0", paramLabel = "SOURCE")
        String source;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "DESTINATION")
        List<String> destinations;

        @Override
        protected int run(Context context) throws Exception {
            String s = source.toLowerCase(Locale.ROOT);
            List<String> added = new java.util.ArrayList<>();
            for (String destination : destinations) {
                context.accounts().addAlias(source, destination);
                added.add(destination.toLowerCase(Locale.ROOT));
            }
            return done("added alias " + s + " -> " + String.join(", ", added), "added", "source", s, "destinations", added);
        }
    }

    @Command(name = "list", description = "List aliases, of one domain or all.")
    static final class ListAliases extends AccountCommand {
        @Parameters(paramLabel = "DOMAIN", arity = "0..1")
        String domain;

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
    static final class Remove extends AccountCommand {
        @Parameters(index = "0", paramLabel = "SOURCE")
        String source;

        @Parameters(index = "1", arity = "0..1", paramLabel = "DESTINATION")
        String destination;

        @Override
        protected int run(Context context) throws Exception {
            String s = source.toLowerCase(Locale.ROOT);
            if (destination == null) {
                int n = context.accounts().removeAlias(source);
                return done("removed " + n + (n == 1 ? " alias" : " aliases") + " of " + s, "removed", "source", s, "count", n);
            }
            context.accounts().removeAlias(source, destination);
            String d = destination.toLowerCase(Locale.ROOT);
            return done("removed alias " + s + " -> " + d, "removed", "source", s, "destination", d);
        }
    }
}
