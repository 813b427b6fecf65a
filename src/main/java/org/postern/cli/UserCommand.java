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
    static final class Add extends AccountCommand {
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
            String a = address.toLowerCase(java.util.Locale.ROOT);
            return done("added mailbox " + a, "added", "address", a, "quota_bytes", quotaBytes);
        }
    }

    @Command(name = "passwd", description = "Set a mailbox's password.")
    static final class Passwd extends AccountCommand {
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
            String a = address.toLowerCase(java.util.Locale.ROOT);
            return done("password changed for " + a, "password_changed", "address", a);
        }
    }

    @Command(name = "list", description = "List mailboxes, of one domain or all.")
    static final class ListUsers extends AccountCommand {
        @Parameters(paramLabel = "DOMAIN", arity = "0..1")
        String domain;

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
    static final class Remove extends AccountCommand {
        @Parameters(paramLabel = "ADDRESS")
        String address;

        @Override
        protected int run(Context context) throws Exception {
            context.accounts().removeMailbox(address);
            String a = address.toLowerCase(java.util.Locale.ROOT);
            return done("removed mailbox " + a, "removed", "address", a);
        }
    }

    @Command(name = "enable", description = "Enable a mailbox: it receives mail and may log in.")
    static final class Enable extends AccountCommand {
        @Parameters(paramLabel = "ADDRESS")
        String address;

        @Override
        protected int run(Context context) throws Exception {
            context.accounts().setEnabled(address, true);
            String a = address.toLowerCase(java.util.Locale.ROOT);
            return done("enabled " + a, "enabled", "address", a);
        }
    }

    @Command(name = "disable", description = "Disable a mailbox: logins fail and mail to it is refused as unknown.")
    static final class Disable extends AccountCommand {
        @Parameters(paramLabel = "ADDRESS")
        String address;

        @Override
        protected int run(Context context) throws Exception {
            context.accounts().setEnabled(address, false);
            String a = address.toLowerCase(java.util.Locale.ROOT);
            return done("disabled " + a, "disabled", "address", a);
        }
    }
}
