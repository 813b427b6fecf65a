package org.postern.cli;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.postern.config.ConfigProblem;
import org.postern.config.Configuration;
import org.postern.config.ParameterSet;
import org.postern.log.MailLog;
import org.slf4j.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code postern serve}: validates the configuration (the same checks as {@code config check}),
 * opens the database (creating or migrating its tables), starts the services and runs until
 * SIGTERM or SIGINT (Ctrl-C), then stops them gracefully and exits 0. SIGHUP re-reads the
 * configuration ({@link PosternServer#reload}).
 *
 * <p>Signals go through {@code sun.misc.Signal}: the JDK has no supported API for handling
 * SIGHUP, and without a handler SIGHUP would stop the JVM. It is confined to this class.
 */
@Command(name = "serve", description = {
    "Run Postern in the foreground until SIGTERM or Ctrl-C (SIGHUP: reload).",
    "SIGHUP re-reads the configuration as postern reload does.",
    "Start-up fails, with every configuration problem listed, if the configuration is invalid."})
final class ServeCommand extends ContextCommand {

    @Option(names = {"-v", "--verbose"}, description = "Also log debug lines.")
    boolean verbose;

    @Override
    protected int run(Context context) throws Exception {
        Configuration config = context.configuration();
        ParameterSet main = config.main();
        String logFile = main.get("maillog_file");
        MailLog.configure(main.get("myhostname"), main.get("syslog_name"),
                logFile.isEmpty() ? null : Path.of(logFile), verbose);
        Logger log = MailLog.logger("master");
        for (ConfigProblem warning : config.warnings()) {
            log.warn("{}", warning);
        }

        // Signals first, so that a Ctrl-C during start-up is not lost.
        CountDownLatch stop = new CountDownLatch(1);
        AtomicReference<Signal> received = new AtomicReference<>();
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), signal -> {
                received.compareAndSet(null, signal);
                stop.countDown();
            });
        }

        // SIGHUP: reload (postfix reload). Handled from the start so that an early HUP does not stop the JVM.
        AtomicReference<PosternServer> running = new AtomicReference<>();
        try {
            Signal.handle(new Signal("HUP"), signal -> {
                PosternServer s = running.get();
                if (s == null) {
                    log.warn("SIGHUP during start-up ignored: the configuration is being read now");
                } else {
                    s.reload();
                }
            });
        } catch (IllegalArgumentException e) {
            // Started with SIGHUP ignored (nohup): the JVM keeps it ignored.
            log.warn("SIGHUP is ignored in this process ({}); use postern reload", e.getMessage());
        }

        context.accounts(); // opens the database and applies migrations: fail now, not at the first mail
        PosternServer server;
        try {
            server = PosternServer.start(context);
        } catch (PosternServer.StartException e) {
            log.error("fatal: {}", e.getMessage());
            throw new CliException(e.getMessage());
        }
        running.set(server);
        log.info("daemon started -- version {}, configuration {}", Main.Version.get(),
                config.configDir() == null ? "(built-in defaults)" : config.configDir().toAbsolutePath());

        stop.await();
        Signal signal = received.get();
        log.info("terminating on signal {}", signal == null ? "?" : signal.getNumber());
        server.close();
        MailLog.close(); // the last lines, "terminating on signal" included, reach the log
        return 0;
    }
}
