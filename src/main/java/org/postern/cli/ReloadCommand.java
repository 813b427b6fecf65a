package org.postern.cli;

import java.nio.file.Path;
import java.util.Optional;
import org.postern.config.ConfigException;
import org.postern.config.ConfigProblem;
import org.postern.queue.ControlClient;
import org.postern.queue.ControlProtocol;
import org.postern.queue.ControlServer;
import picocli.CommandLine.Command;

/**
 * {@code postern reload}: checks the configuration here, then asks the running server (over
 * the control socket in the queue directory) to re-read it, as {@code postfix reload} does.
 * The control socket rather than SIGHUP by PID so that the operator sees the server's answer:
 * refused with the problems, or accepted with what takes a restart. SIGHUP works too.
 */
@Command(name = "reload", description = {
    "Make the running server re-read main.cf, master.cf and the tables they name.",
    "New sessions use the new configuration, the queue manager its next delivery pass; open",
    "sessions and running deliveries are not interrupted. A configuration with errors is refused",
    "and the running one stays. Changed ports, addresses, paths, DNS servers and process-wide",
    "limits need a restart (the answer lists them). Exit status 1 when refused."})
final class ReloadCommand extends ContextCommand {

    @Override
    protected int run(Context context) throws Exception {
        try {
            context.configuration();
        } catch (ConfigException e) {
            for (ConfigProblem p : e.problems()) {
                err().println(p);
            }
            throw new CliException("reload not sent: fix the configuration first; the running server keeps its configuration");
        }
        Path queueDirectory = Path.of(context.parameters().get("queue_directory"));
        Optional<ControlClient> client = ControlClient.connect(queueDirectory);
        if (client.isEmpty()) {
            throw new CliException("no running Postern answers at " + ControlProtocol.socketPath(queueDirectory)
                    + " (queue_directory): is it running, with this -c directory?");
        }
        ControlServer.Reload result = client.get().reload();
        for (String note : result.notes()) {
            err().println("postern: " + note);
        }
        if (!result.accepted()) {
            return 1;
        }
        out().println("postern: reloaded; new sessions use the configuration of " + Optional.ofNullable(context.configDir())
                .map(d -> d.toAbsolutePath().toString()).orElse("(built-in defaults)"));
        return 0;
    }
}
