package org.postern.cli;

import java.util.ArrayList;
import java.util.List;
import org.postern.config.ConfigOutput;
import org.postern.config.ConfigProblem;
import org.postern.config.Configuration;
import org.postern.config.Listener;
import org.postern.config.ParameterSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code postern config check|show|defaults}: validate and inspect the configuration. */
@Command(name = "config", description = "Check and show the configuration.",
        subcommands = {ConfigCommand.Check.class, ConfigCommand.Show.class, ConfigCommand.Defaults.class})
final class ConfigCommand {

    @Command(name = "check", description = {
        "Validate main.cf, master.cf, every lookup table they name and every restriction list,",
        "with the same checks as start-up. Prints each problem as FILE:LINE: error|warning: ...",
        "Exit status 0 when there is no error (warnings allowed), 1 otherwise."})
    static final class Check extends ContextCommand {
        @Override
        protected int run(Context context) throws Exception {
            Configuration config = context.configuration();
            for (ConfigProblem warning : config.warnings()) {
                err().println(warning);
            }
            out().println("postern: configuration " + (config.configDir() == null ? "(built-in defaults)"
                    : config.configDir()) + " is valid: " + config.listeners().size() + " listeners, "
                    + config.warnings().size() + (config.warnings().size() == 1 ? " warning" : " warnings"));
            return 0;
        }
    }

    @Command(name = "show", description = {
        "Print effective parameter values as 'name = value' lines, like postconf(1).",
        "Values are shown as written (before $name expansion)."})
    static final class Show extends ContextCommand {
        @Option(names = "-n", description = "Only parameters set explicitly in main.cf (or by -o for --listener).")
        boolean explicitOnly;

        @Option(names = "-x", description = "Expand $name references in the values.")
        boolean expand;

        @Option(names = "--listener", paramLabel = "NAME",
                description = "The effective set of one master.cf listener (e.g. submission), with its -o overrides.")
        String listener;

        @Parameters(paramLabel = "NAME", arity = "0..*", description = "Parameters to print (default: all).")
        List<String> names = new ArrayList<>();

        @Override
        protected int run(Context context) throws Exception {
            Configuration config = context.configuration();
            ParameterSet set = config.main();
            if (listener != null) {
                set = config.listener(listener).map(Listener::parameters).orElseThrow(() -> new CliException(
                        "no listener named '" + listener + "'; listeners: "
                                + String.join(", ", config.listeners().stream().map(Listener::name).toList())));
            }
            out().print(ConfigOutput.postconf(set, explicitOnly, expand, names));
            return 0;
        }
    }

    @Command(name = "defaults", description = "Print a main.cf that sets every parameter to its built-in default, with descriptions.")
    static final class Defaults extends ContextCommand {
        @Override
        protected int run(Context context) {
            out().print(ConfigOutput.defaultsAsMainCf());
            return 0;
        }
    }
}
