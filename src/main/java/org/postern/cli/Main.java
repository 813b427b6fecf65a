package org.postern.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import org.postern.config.ConfigException;
import org.postern.config.ConfigProblem;
import org.postern.lookup.LookupException;
import org.postern.store.StoreException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code postern}: the command line. Every subcommand takes {@code -c DIR}; errors are printed
 * as {@code postern: ...} on standard error with exit status 1 (2 for usage errors).
 */
@Command(name = "postern",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "A mail server that speaks Postfix's configuration language.",
        subcommands = {
            ServeCommand.class,
            ConfigCommand.class,
            DomainCommand.class,
            UserCommand.class,
            AliasCommand.class,
            SenderLoginCommand.class,
            MapCommand.class,
            ExplainCommand.class,
            DkimCommand.class,
            SpfCommand.class,
            DmarcCommand.class,
            DnsCommand.class,
            QueueCommand.class,
            ReloadCommand.class,
            CommandLine.HelpCommand.class,
        },
        footer = {"", "See docs/cli.md for every command, docs/parameters.md for every main.cf parameter."})
public final class Main implements Runnable {

    @Option(names = {"-c", "--config-dir"}, paramLabel = "DIR", scope = ScopeType.INHERIT,
            description = "Configuration directory with main.cf and master.cf (default: built-in defaults).")
    Path configDir;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command line; returns the exit status. Used by tests too. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            switch (e) {
                case CliException c -> {
                    err.println("postern: " + c.getMessage());
                    return c.exitCode();
                }
                case ConfigException c -> {
                    for (ConfigProblem p : c.problems()) {
                        err.println(p);
                    }
                    long errors = c.problems().stream().filter(ConfigProblem::isError).count();
                    err.println("postern: configuration has " + errors + (errors == 1 ? " error" : " errors"));
                    return 1;
                }
                case StoreException s -> {
                    err.println("postern: " + s.getMessage());
                    return 1;
                }
                case LookupException l -> {
                    err.println("postern: temporary lookup failure: " + l.getMessage());
                    return 2;
                }
                default -> throw e;
            }
        });
        return cli.execute(args);
    }

    /** The version from the jar manifest; "development" when run from classes. */
    static final class Version implements CommandLine.IVersionProvider {
        static String get() {
            String v = Main.class.getPackage().getImplementationVersion();
            return v == null ? "development" : v;
        }

        @Override
        public String[] getVersion() {
            return new String[] {"postern " + get()};
        }
    }
}
