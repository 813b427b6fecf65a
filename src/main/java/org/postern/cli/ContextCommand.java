package org.postern.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/**
 * Base of the commands that need a {@link Context}: finds the {@code -c DIR} option of the
 * top-level command and closes the context when the command is done.
 */
abstract class ContextCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public final Integer call() throws Exception {
        Main root = (Main) spec.root().userObject();
        try (Context context = new Context(root.configDir)) {
            return run(context);
        }
    }

    protected abstract int run(Context context) throws Exception;

    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    protected PrintWriter err() {
        return spec.commandLine().getErr();
    }
}
