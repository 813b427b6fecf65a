package org.postern.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.postern.store.SenderLogin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code postern sender-login ...}: which login may send as which address, the
 * {@code postern:sender_logins} table behind {@code smtpd_sender_login_maps}. A mailbox always
 * owns its own address; this adds more (shared addresses, aliases, whole domains).
 */
@Command(name = "sender-login", description = "Manage which login may send as which address.",
        subcommands = {SenderLoginCommand.Add.class, SenderLoginCommand.ListLogins.class, SenderLoginCommand.Remove.class})
final class SenderLoginCommand {

    @Command(name = "add", description = "Let LOGIN send as ADDRESS (user@domain, or @domain for every address of the domain).")
    static final class Add extends AccountCommand {
        @Parameters(index = "0", paramLabel = "LOGIN")
        String login;

        @Parameters(index = "1", paramLabel = "ADDRESS")
        String address;

        @Override
        protected int run(Context context) throws Exception {
            context.accounts().addSenderLogin(login, address);
            String l = login.toLowerCase(Locale.ROOT);
            String a = address.toLowerCase(Locale.ROOT);
            return done(l + " may now send as " + a, "added", "login", l, "address", a);
        }
    }

    @Command(name = "list", description = "List sender logins, of one login or all (a mailbox's own address is implicit and not listed).")
    static final class ListLogins extends AccountCommand {
        @Parameters(paramLabel = "LOGIN", arity = "0..1")
        String login;

        @Override
        protected int run(Context context) throws Exception {
            List<SenderLogin> rows = login == null ? context.accounts().listSenderLogins()
                    : context.accounts().listSenderLogins(login);
            if (json) {
                out().println(Json.write(rows.stream().map(r -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("login", r.login());
                    m.put("address", r.address());
                    return m;
                }).toList()));
                return 0;
            }
            Table table = new Table("LOGIN", "ADDRESS");
            rows.forEach(r -> table.row(r.login(), r.address()));
            table.print(out());
            return 0;
        }
    }

    @Command(name = "remove", description = "Stop LOGIN from sending as ADDRESS.")
    static final class Remove extends AccountCommand {
        @Parameters(index = "0", paramLabel = "LOGIN")
        String login;

        @Parameters(index = "1", paramLabel = "ADDRESS")
        String address;

        @Override
        protected int run(Context context) throws Exception {
            context.accounts().removeSenderLogin(login, address);
            String l = login.toLowerCase(Locale.ROOT);
            String a = address.toLowerCase(Locale.ROOT);
            return done(l + " may no longer send as " + a, "removed", "login", l, "address", a);
        }
    }
}
