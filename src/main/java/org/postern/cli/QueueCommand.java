package org.postern.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.postern.queue.ControlClient;
import org.postern.queue.ControlProtocol;
import org.postern.queue.Envelope;
import org.postern.queue.QueueTools;
import org.postern.queue.Recipient;
import org.postern.queue.Spool;
import org.postern.queue.SpoolTools;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code postern queue list|show|delete|hold|release|requeue|flush}: Postfix's mailq, postcat,
 * postsuper and postqueue in one command. While the server runs, every command goes through
 * its control socket ({@link ControlProtocol}), because the spool belongs to one process; with
 * no server running, the command opens the spool itself (its lock guarantees that it is never
 * open twice).
 */
@Command(name = "queue", description = "Inspect and manage the mail queue (works while the server runs).",
        subcommands = {QueueCommand.ListQueue.class, QueueCommand.Show.class, QueueCommand.Delete.class,
            QueueCommand.Hold.class, QueueCommand.Release.class, QueueCommand.Requeue.class, QueueCommand.Flush.class})
final class QueueCommand {

    /** How long a command waits for a server that holds the spool lock but has no socket yet (starting up). */
    static Duration startingServerWait = Duration.ofSeconds(10); // shortened by tests

    private QueueCommand() {
    }

    /** What a queue subcommand does with the tools it gets. */
    private interface Work {
        int run(QueueTools tools) throws IOException;
    }

    /** Base of the subcommands: finds the running server or opens the spool. */
    abstract static class QueueSubcommand extends ContextCommand {

        @Override
        protected final int run(Context context) throws Exception {
            Path queueDirectory = Path.of(context.parameters().get("queue_directory"));
            return withTools(queueDirectory, this::work);
        }

        abstract int work(QueueTools tools) throws IOException;

        /** Whether the command makes sense on a queue directory that does not exist yet (list does). */
        boolean emptyWithoutQueue() {
            return false;
        }

        private int withTools(Path queueDirectory, Work work) throws IOException, InterruptedException {
            Instant deadline = Instant.now().plus(startingServerWait);
            while (true) {
                Optional<ControlClient> client = ControlClient.connect(queueDirectory);
                if (client.isPresent()) {
                    return work.run(client.get());
                }
                if (!Files.isDirectory(queueDirectory.resolve("log"))) {
                    if (emptyWithoutQueue()) {
                        return work.run(EMPTY);
                    }
                    throw new CliException("no mail queue in " + queueDirectory
                            + " (queue_directory): nothing has been queued yet, or -c names another configuration");
                }
                try (Spool spool = Spool.open(queueDirectory)) {
                    return work.run(new SpoolTools(spool, null, Clock.systemDefaultZone()));
                } catch (Spool.InUseException e) {
                    // A server holds the spool: it is starting (socket not yet there) or cannot serve queue commands.
                    if (Instant.now().isAfter(deadline)) {
                        throw new CliException("the queue in " + queueDirectory + " is in use by a running Postern, "
                                + "but its control socket " + ControlProtocol.socketPath(queueDirectory)
                                + " does not answer; see that server's log");
                    }
                    Thread.sleep(100); // poll interval while the server starts
                }
            }
        }

        /** Says, on standard error so that standard output is the same either way, when nothing is delivered yet. */
        void notLive(QueueTools tools) {
            if (!tools.live()) {
                err().println("postern: no server is running: delivery starts when Postern is started");
            }
        }

        /** Prints a change's outcome like postsuper: one line per message, then a count. */
        int report(QueueTools.Result result, String verb, String summary) {
            for (String id : result.done()) {
                out().println(id + ": " + verb);
            }
            for (String id : result.missing()) {
                err().println("postern: " + id + ": no such message in the queue");
            }
            int n = result.done().size();
            out().println(summary + ": " + n + (n == 1 ? " message" : " messages"));
            return result.missing().isEmpty() ? 0 : 1;
        }
    }

    /** A queue that does not exist yet: empty, and nothing to change. */
    private static final QueueTools EMPTY = new QueueTools() {
        @Override
        public List<Listed> list() {
            return List.of();
        }

        @Override
        public Optional<Shown> show(String queueId) {
            return Optional.empty();
        }

        @Override
        public Result delete(Selection which) {
            return new Result(List.of(), which.queueIds());
        }

        @Override
        public Result hold(Selection which) {
            return delete(which);
        }

        @Override
        public Result release(Selection which) {
            return delete(which);
        }

        @Override
        public Result requeue(Selection which) {
            return delete(which);
        }

        @Override
        public Result flush(String domain) {
            return new Result(List.of(), List.of());
        }

        @Override
        public boolean live() {
            return false;
        }
    };

    /** IDs, or the single word ALL. */
    static QueueTools.Selection selection(List<String> ids) {
        if (ids.size() == 1 && ids.get(0).equals("ALL")) {
            return QueueTools.Selection.ALL;
        }
        if (ids.contains("ALL")) {
            throw new CliException("ALL cannot be combined with queue IDs", 2);
        }
        for (String id : ids) {
            if (!id.matches("[0-9A-Za-z]+")) {
                throw new CliException("not a queue ID: " + id + " (queue IDs are letters and digits, as "
                        + "postern queue list shows them)", 2);
            }
        }
        return QueueTools.Selection.of(ids);
    }

    @Command(name = "list", description = {
        "List queued messages, like mailq: queue ID, size, arrival time, sender, and the recipients still",
        "waiting with the reason of their last deferral. After the ID, ! marks a message on hold and * one",
        "being delivered right now. MAILER-DAEMON is the null sender (bounces)."})
    static final class ListQueue extends QueueSubcommand {
        private static final DateTimeFormatter ARRIVAL = DateTimeFormatter.ofPattern("EEE MMM dd HH:mm:ss", Locale.ROOT);

        @Option(names = "--json", description = "Print JSON: one object per message.")
        boolean json;

        @Override
        boolean emptyWithoutQueue() {
            return true;
        }

        @Override
        int work(QueueTools tools) throws IOException {
            List<QueueTools.Listed> all = tools.list();
            if (json) {
                out().println(Json.write(all.stream().map(ListQueue::toJson).toList()));
                return 0;
            }
            if (all.isEmpty()) {
                out().println("Mail queue is empty");
                return 0;
            }
            // Columns: ID and mark (14), size (8), arrival (19, under a 20-wide title), sender or recipient.
            out().println(String.format("%-14s %8s %s %s", "-Queue ID-", "--Size--", "----Arrival Time----",
                    "-Sender/Recipient-------"));
            long bytes = 0;
            for (QueueTools.Listed l : all) {
                Envelope e = l.envelope();
                bytes += e.size();
                char mark = l.held() ? '!' : l.active() ? '*' : ' ';
                out().println(String.format("%-13s%c %8d %s  %s", e.queueId(), mark, e.size(),
                        ARRIVAL.format(e.arrival().atZone(ZoneId.systemDefault())),
                        e.sender().isEmpty() ? "MAILER-DAEMON" : e.sender()));
                String lastReason = null;
                for (Recipient r : e.recipients()) {
                    if (r.status().isFinal()) {
                        continue;
                    }
                    // Postfix prints a reason once above the recipients that share it.
                    if (r.lastReply() != null && !Objects.equals(r.lastReply(), lastReason)) {
                        out().println("(" + r.lastReply() + ")");
                    }
                    lastReason = r.lastReply();
                    out().println(" ".repeat(45) + r.address());
                }
                out().println();
            }
            out().println("-- " + (bytes + 1023) / 1024 + " Kbytes in " + all.size()
                    + (all.size() == 1 ? " Request." : " Requests."));
            return 0;
        }

        static Map<String, Object> toJson(QueueTools.Listed l) {
            Envelope e = l.envelope();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("queue_id", e.queueId());
            m.put("held", l.held());
            m.put("active", l.active());
            m.put("size", e.size());
            m.put("arrival", e.arrival().toString());
            m.put("sender", e.sender());
            List<Object> recipients = new ArrayList<>();
            for (Recipient r : e.recipients()) {
                Map<String, Object> rm = new LinkedHashMap<>();
                rm.put("address", r.address());
                rm.put("status", r.status().name().toLowerCase(Locale.ROOT));
                rm.put("reason", r.lastReply());
                rm.put("next_attempt", r.nextAttempt() == null ? null : r.nextAttempt().toString());
                recipients.add(rm);
            }
            m.put("recipients", recipients);
            return m;
        }
    }

    @Command(name = "show", description = {
        "Show one message, like postcat: its envelope (sender, recipients with their state, DSN",
        "parameters, client), then its header and body exactly as queued."})
    static final class Show extends QueueSubcommand {
        @Parameters(paramLabel = "ID", description = "The queue ID.")
        String queueId;

        @Option(names = "--envelope", description = "Show only the envelope.")
        boolean envelopeOnly;

        @Option(names = "--headers", description = "Show only the message header.")
        boolean headersOnly;

        @Option(names = "--body", description = "Show only the message body.")
        boolean bodyOnly;

        @Override
        int work(QueueTools tools) throws IOException {
            selection(List.of(queueId));
            QueueTools.Shown shown = tools.show(queueId)
                    .orElseThrow(() -> new CliException(queueId + ": no such message in the queue"));
            boolean all = !envelopeOnly && !headersOnly && !bodyOnly;
            String text = new String(shown.content(), StandardCharsets.UTF_8).replace("\r\n", "\n");
            int split = text.startsWith("\n") ? 0 : text.indexOf("\n\n");
            String header = split < 0 ? text : text.substring(0, split + 1);
            String body = split < 0 ? "" : text.substring(split + (split == 0 ? 1 : 2));
            if (all || envelopeOnly) {
                out().println("*** ENVELOPE ***");
                envelope(shown.message());
            }
            if (all || headersOnly) {
                out().println("*** HEADER ***");
                out().print(header);
            }
            if (all || bodyOnly) {
                out().println("*** BODY ***");
                out().print(body);
            }
            out().flush();
            return 0;
        }

        private void envelope(QueueTools.Listed l) {
            Envelope e = l.envelope();
            out().println("queue_id: " + e.queueId());
            out().println("state: " + (l.held() ? "hold" : l.active() ? "active" : "queued"));
            out().println("arrival: " + e.arrival());
            out().println("size: " + e.size());
            out().println("sender: <" + e.sender() + ">");
            Envelope.ClientInfo c = e.client();
            out().println("client: " + (c.name() == null ? "unknown" : c.name()) + "[" + (c.address() == null ? "" : c.address())
                    + "]" + (c.helo() == null ? "" : " helo=" + c.helo()) + (c.protocol() == null ? "" : " protocol=" + c.protocol())
                    + (c.saslUsername() == null ? "" : " sasl_username=" + c.saslUsername()));
            out().println("body: " + e.body().name().toLowerCase(Locale.ROOT).replace('_', '-')
                    + (e.smtpUtf8() ? ", smtputf8" : ""));
            if (e.dsnRet() != null) {
                out().println("dsn_ret: " + e.dsnRet());
            }
            if (e.envId() != null) {
                out().println("dsn_envid: " + e.envId());
            }
            for (Recipient r : e.recipients()) {
                StringBuilder line = new StringBuilder("recipient: <" + r.address() + "> "
                        + r.status().name().toLowerCase(Locale.ROOT));
                if (!r.dsnNotify().isEmpty()) {
                    line.append(" notify=").append(String.join(",", r.dsnNotify().stream().map(Enum::name).sorted().toList()));
                }
                if (r.orcpt() != null) {
                    line.append(" orcpt=").append(r.orcpt());
                }
                if (r.nextAttempt() != null && !r.status().isFinal()) {
                    line.append(" next_attempt=").append(r.nextAttempt());
                }
                if (r.lastReply() != null) {
                    line.append(" (").append(r.lastReply()).append(')');
                }
                out().println(line);
            }
            e.attributes().forEach((k, v) -> out().println("attribute: " + k + "=" + v));
        }
    }

    @Command(name = "delete", description = {
        "Delete messages for good, like postsuper -d: no bounce is sent. ALL deletes every message."})
    static final class Delete extends QueueSubcommand {
        @Parameters(paramLabel = "ID", arity = "0..*", description = "Queue IDs, or ALL.")
        List<String> ids = new ArrayList<>();

        @Option(names = "--deferred", description = "Delete every message with a deferred recipient.")
        boolean deferred;

        @Override
        int work(QueueTools tools) throws IOException {
            if (deferred == !ids.isEmpty()) {
                throw new CliException("give queue IDs, ALL, or --deferred", 2);
            }
            return report(tools.delete(deferred ? QueueTools.Selection.DEFERRED : selection(ids)), "deleted", "Deleted");
        }
    }

    @Command(name = "hold", description = {
        "Put messages on hold, like postsuper -h: they stay queued but are not delivered until released."})
    static final class Hold extends QueueSubcommand {
        @Parameters(paramLabel = "ID", arity = "1..*", description = "Queue IDs, or ALL.")
        List<String> ids;

        @Override
        int work(QueueTools tools) throws IOException {
            return report(tools.hold(selection(ids)), "placed on hold", "Placed on hold");
        }
    }

    @Command(name = "release", description = {
        "Release messages from hold, like postsuper -H; a running server delivers them at once."})
    static final class Release extends QueueSubcommand {
        @Parameters(paramLabel = "ID", arity = "1..*", description = "Queue IDs, or ALL.")
        List<String> ids;

        @Override
        int work(QueueTools tools) throws IOException {
            int status = report(tools.release(selection(ids)), "released from hold", "Released from hold");
            notLive(tools);
            return status;
        }
    }

    @Command(name = "requeue", description = {
        "Requeue messages, like postsuper -r: release them from hold and try every waiting recipient now."})
    static final class Requeue extends QueueSubcommand {
        @Parameters(paramLabel = "ID", arity = "1..*", description = "Queue IDs, or ALL.")
        List<String> ids;

        @Override
        int work(QueueTools tools) throws IOException {
            int status = report(tools.requeue(selection(ids)), "requeued", "Requeued");
            notLive(tools);
            return status;
        }
    }

    @Command(name = "flush", description = {
        "Try deferred mail now, like postqueue -f; with a DOMAIN, only its recipients (postqueue -s).",
        "Destinations marked dead (unreachable) are tried again too. Messages on hold stay on hold."})
    static final class Flush extends QueueSubcommand {
        @Parameters(paramLabel = "DOMAIN", arity = "0..1", description = "Only recipients in this domain.")
        String domain;

        @Override
        int work(QueueTools tools) throws IOException {
            int status = report(tools.flush(domain), "flushed", "Flushed");
            notLive(tools);
            return status;
        }
    }
}
