package org.postern.cli;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.postern.store.Mailbox;
import org.postern.store.password.PasswordSchemes;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code postern user ...}: mailboxes (accounts that receive mail and log in). */
@Command(name = "user", description = "Manage mailboxes (users).",
        subcommands = {UserCommand.Add.class, UserCommand.Passwd.class, UserCommand.ListUsers.class,
            UserCommand.Remove.class, UserCommand.Enable.class, UserCommand.Disable.class})
final class UserCommand {

    /** Password options shared by add and passwd. */
    static final class PasswordOptions {
        @Option(names = "--password-stdin", description = "Read the password from standard input instead of asking twice.")
        boolean fromStdin;

        @Option(names = "--scheme", paramLabel = "SCHEME", defaultValue = PasswordSchemes.DEFAULT_SCHEME,
                description = "Dovecot password scheme for the hash (default: ${DEFAULT-VALUE}).")
        String scheme;

        String hash() {
            if (!PasswordSchemes.writable().contains(scheme.toUpperCase(java.util.Locale.ROOT))) {
                throw new CliException("cannot write password scheme " + scheme + "; use one of "
                        + String.join(", ", PasswordSchemes.writable()));
            }
            char[] password = PasswordInput.read(fromStdin, System.in);
            try {
                return PasswordSchemes.hash(scheme.toUpperCase(java.util.Locale.ROOT), password);
            } finally {
                Arrays.fill(password, '\0');
            }
        }
    }

    @Command(name = "add", description = "Add a mailbox; its domain must exist. Asks for the password twice.")
    static final class Add extends ContextCommand {
        @Parameters(paramLabel = "ADDRESS")
        String address;

        @picocli.CommandLine.Mixin
        PasswordOptions password = new PasswordOptions();

        @Option(names = "--quota", paramLabel = "SIZE", defaultValue = "0",
                description = "Quota in bytes, or with a K, M or G suffix; 0 = unlimited (default).")
        String quota;

        @Override
        protected int run(Context context) throws Exception {
            long quotaBytes = Sizes.parse(quota);
            context.accounts().addMailbox(address, password.hash(), quotaBytes);
            out().println("added mailbox " + address.toLowerCase(java.util.Locale.ROOT));
            return 0;
        }
    }

    @Command(name = "passwd", description = "Set a mailbox's password.")
    static final class Passwd extends ContextCommand {
        @Parameters(paramLabel = "ADDRESS")
        String address;

        @picocli.CommandLine.Mixin
        PasswordOptions password = new PasswordOptions();

        @Override
        protected int run(Context context) throws Exception {
            var accounts = context.accounts();
            if (accounts.findMailbox(address).isEmpty()) {
                throw new CliException("no mailbox " + address);
            }
            accounts.setPassword(address, password.hash());
            out().println("password changed for " + address.toLowerCase(java.util.Locale.ROOT));
            return 0;
        }
    }

    @Command(name = "list", description = "List mailboxes, of one domain or all.")
    static final class ListUsers extends ContextCommand {
        @Parameters(paramLabel = "DOMAIN", arity = "0..1")
        String domain;

        @Option(names = "--json", description = "Print JSON for scripts.")
        boolean json;

        @Override
        protected int run(Context context) throws Exception {
            List<Mailbox> boxes = domain == null ? context.accounts().listMailboxes()
                    : context.accounts().listMailboxes(domain);
            if (json) {
                out().println(Json.write(boxes.stream().map(b -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("address", b.address());
                    m.put("domain", b.domain());
                    m.put("quota_bytes", b.quotaBytes());
                    m.put("enabled", b.enabled());
                    m.put("created", b.created().toString());
                    return m;
                }).toList()));
                return 0;
            }
            Table table = new Table("ADDRESS", "ENABLED", "QUOTA", "CREATED");
            for (Mailbox b : boxes) {
                table.row(b.address(), b.enabled() ? "yes" : "no", b.quotaBytes() == 0 ? "unlimited" : Sizes.format(b.quotaBytes()),
                        b.created());
            }
            table.print(out());
            return 0;
        }
    }

    @Command(name = "remove", description = "Remove a mailbox (its stored mail is left on disk).")
    static final class Remove extends ContextCommand {
        @Parameters(paramLabel = "ADDRESS")
        String address;

        @Override
        protected int run(Context context) throws Exception {
            context.accounts().removeMailbox(address);
            out().println("removed mailbox " + address.toLowerCase(java.util.Locale.ROOT));
            return 0;
        }
    }

    @Command(name = "enable", description = "Enable a mailbox: it receives mail and may log in.")
    static final class Enable extends ContextCommand {
        @Parameters(paramLabel = "ADDRESS")
        String address;

        @Override
        protected int run(Context context) throws Exception {
            context.accounts().setEnabled(address, true);
            out().println("enabled " + address.toLowerCase(java.util.Locale.ROOT));
            return 0;
        }
    }

    @Command(name = "disable", description = "Disable a mailbox: logins fail and mail to it is refused as unknown.")
    static final class Disable extends ContextCommand {
        @Parameters(paramLabel = "ADDRESS")
        String address;

        @Override
        protected int run(Context context) throws Exception {
            context.accounts().setEnabled(address, false);
            out().println("disabled " + address.toLowerCase(java.util.Locale.ROOT));
            return 0;
        }
    }
}
