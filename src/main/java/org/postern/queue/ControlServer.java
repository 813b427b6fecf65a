package org.postern.queue;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.postern.log.MailLog;
import org.slf4j.Logger;

/**
 * Serves the {@link ControlProtocol} for the running server, so that {@code postern queue}
 * changes the spool through the one process that owns it. Each connection gets a virtual
 * thread and one request.
 */
public final class ControlServer implements Closeable {

    private static final Logger LOG = MailLog.logger("postqueue");

    private final Path socket;
    private final ServerSocketChannel channel;
    private final QueueTools tools;
    private final Reloader reloader;
    private final Thread acceptor;

    /**
     * Re-reads the running server's configuration ({@code postern reload}).
     */
    @FunctionalInterface
    public interface Reloader {
        /**
         * @return whether the new configuration is in use, and lines for the operator: the
         *         problems when refused, what takes a restart when accepted
         */
        Reload reload();
    }

    /** The outcome of one reload. */
    public record Reload(boolean accepted, List<String> notes) {
        public Reload {
            notes = List.copyOf(notes);
        }
    }

    private ControlServer(Path socket, ServerSocketChannel channel, QueueTools tools, Reloader reloader) {
        this.socket = socket;
        this.channel = channel;
        this.tools = tools;
        this.reloader = reloader;
        this.acceptor = Thread.ofPlatform().name("queue-control").daemon().start(this::acceptLoop);
    }

    /**
     * Listens at {@link ControlProtocol#socketPath}. A socket file found there is stale: the
     * caller holds the spool's lock, so no other server can be using it.
     */
    public static ControlServer start(Path queueDirectory, QueueTools tools) throws IOException {
        return start(queueDirectory, tools, null);
    }

    /** As {@link #start(Path, QueueTools)}, also answering {@code reload} (null: refused). */
    public static ControlServer start(Path queueDirectory, QueueTools tools, Reloader reloader) throws IOException {
        Path socket = ControlProtocol.socketPath(queueDirectory);
        Path dir = socket.getParent();
        if (!Files.isDirectory(dir)) {
            // Owner only, as Postfix's private/. An existing one is left as the admin set it up
            // (Dovecot's LMTP socket may live there too).
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        Files.deleteIfExists(socket);
        ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            channel.bind(UnixDomainSocketAddress.of(socket));
            // Connecting needs write permission on the socket: from bind until here the umask
            // (at least 022 in practice) already kept others out; now only the owner may.
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw new IOException(socket + ": cannot listen for queue commands: " + e.getMessage(), e);
        }
        return new ControlServer(socket, channel, tools, reloader);
    }

    private void acceptLoop() {
        while (true) {
            SocketChannel client;
            try {
                client = channel.accept();
            } catch (ClosedChannelException e) {   // close() stops the loop
                return;
            } catch (IOException e) {
                LOG.error("queue control: accept failed: {}", e.toString());
                return;
            }
            Thread.ofVirtual().name("queue-control-client").start(() -> serve(client));
        }
    }

    private void serve(SocketChannel client) {
        try (client; InputStream in = new BufferedInputStream(Channels.newInputStream(client));
             OutputStream out = new BufferedOutputStream(Channels.newOutputStream(client))) {
            String request = ControlProtocol.readLine(in);
            if (request == null) {
                return;
            }
            try {
                answer(request, out);
                ControlProtocol.writeLine(out, "ok");
            } catch (IllegalArgumentException e) {
                ControlProtocol.writeLine(out, "error " + e.getMessage());
            } catch (IOException e) {
                LOG.error("queue control: {}: {}", request, e.toString());
                ControlProtocol.writeLine(out, "error " + e.getMessage());
            }
            out.flush();
        } catch (IOException e) {
            LOG.warn("queue control: {}", e.toString());
        }
    }

    private void answer(String request, OutputStream out) throws IOException {
        String[] words = request.trim().split(" +");
        List<String> args = Arrays.asList(words).subList(1, words.length);
        switch (words[0]) {
            case "list" -> {
                for (QueueTools.Listed l : tools.list()) {
                    ControlProtocol.writeLine(out, ControlProtocol.entry(l));
                }
            }
            case "show" -> {
                if (args.size() != 1) {
                    throw new IllegalArgumentException("show needs one queue ID");
                }
                Optional<QueueTools.Shown> shown = tools.show(args.get(0));
                if (shown.isPresent()) {
                    ControlProtocol.writeLine(out, ControlProtocol.entry(shown.get().message()));
                    ControlProtocol.writeLine(out, "content " + shown.get().content().length);
                    out.write(shown.get().content());
                }
            }
            case "delete" -> result(out, tools.delete(selection(args, true)));
            case "hold" -> result(out, tools.hold(selection(args, false)));
            case "release" -> result(out, tools.release(selection(args, false)));
            case "requeue" -> result(out, tools.requeue(selection(args, false)));
            case "flush" -> {
                if (args.size() > 1) {
                    throw new IllegalArgumentException("flush takes at most one domain");
                }
                result(out, tools.flush(args.isEmpty() ? null : args.get(0)));
            }
            case "reload" -> {
                if (reloader == null) {
                    throw new IllegalArgumentException("this server does not reload its configuration");
                }
                Reload r = reloader.reload();
                for (String note : r.notes()) {
                    ControlProtocol.writeLine(out, "note " + note);
                }
                if (!r.accepted()) {
                    throw new IllegalArgumentException("reload refused: the running configuration stays in use");
                }
            }
            default -> throw new IllegalArgumentException("unknown command: " + words[0]);
        }
    }

    static QueueTools.Selection selection(List<String> args, boolean deferredAllowed) {
        if (args.isEmpty()) {
            throw new IllegalArgumentException("no queue ID given");
        }
        if (args.size() == 1 && args.get(0).equals("ALL")) {
            return QueueTools.Selection.ALL;
        }
        if (args.size() == 1 && args.get(0).equals("DEFERRED") && deferredAllowed) {
            return QueueTools.Selection.DEFERRED;
        }
        return QueueTools.Selection.of(args);
    }

    private static void result(OutputStream out, QueueTools.Result r) throws IOException {
        for (String id : r.done()) {
            ControlProtocol.writeLine(out, "done " + id);
        }
        for (String id : r.missing()) {
            ControlProtocol.writeLine(out, "missing " + id);
        }
    }

    /** Stops listening and removes the socket. */
    @Override
    public void close() {
        try {
            channel.close();
            acceptor.join(5000);
        } catch (IOException e) {
            LOG.warn("queue control: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            LOG.warn("queue control: cannot remove {}: {}", socket, e.toString());
        }
    }
}
