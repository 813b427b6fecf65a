package org.postern.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.postern.store.Domain;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code postern domain add|list|remove}: the hosted (virtual mailbox) domains. */
@Command(name = "domain", description = "Manage hosted domains.",
        subcommands = {DomainCommand.Add.class, DomainCommand.ListDomains.class, DomainCommand.Remove.class})
final class DomainCommand {

    @Command(name = "add", description = "Add a hosted domain: Postern accepts mail for its mailboxes and aliases.")
    static final class Add extends AccountCommand {
        @Parameters(paramLabel = "DOMAIN")
        String domain;

        @Override
        protected int run(Context context) throws Exception {
            context.accounts().addDomain(domain);
            String name = domain.toLowerCase(java.util.Locale.ROOT);
            return done("added domain " + name, "added", "domain", name);
        }
    }

    @Command(name = "list", description = "List hosted domains with their mailbox and alias counts.")
    static final class ListDomains extends AccountCommand {
        @Override
        protected int run(Context context) throws Exception {
            List<Domain> domains = context.accounts().listDomains();
            if (json) {
                out().println(Json.write(domains.stream().map(d -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("domain", d.name());
                    m.put("mailboxes", d.mailboxes());
                    m.put("aliases", d.aliases());
                    m.put("created", d.created().toString());
                    return m;
                }).toList()));
                return 0;
            }
            Table table = new Table("DOMAIN", "MAILBOXES", "ALIASES", "CREATED");
            for (Domain d : domains) {
                table.row(d.name(), d.mailboxes(), d.aliases(), d.created());
            }
            table.print(out());
            return 0;
        }
    }

    @Command(name = "remove", description = "Remove a hosted domain. Refused while it has mailboxes or aliases, unless --force.")
    static final class Remove extends AccountCommand {
        @Parameters(paramLabel = "DOMAIN")
        String domain;

        @Option(names = "--force", description = "Also remove the domain's mailboxes, aliases and sender logins.")
        boolean force;

        @Override
        protected int run(Context context) throws Exception {
            Domain removed = context.accounts().removeDomain(domain, force);
            return done("removed domain " + removed.name()
                    + (force ? " with " + removed.mailboxes() + " mailboxes and " + removed.aliases() + " aliases" : ""),
                    "removed", "domain", removed.name(), "mailboxes", removed.mailboxes(), "aliases", removed.aliases());
        }
    }
}
