package org.postern.queue;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** {@link QueueTools} that ask the running server over its control socket ({@link ControlProtocol}). */
public final class ControlClient implements QueueTools {

    private final Path socket;

    private ControlClient(Path socket) {
        this.socket = socket;
    }

    /**
     * A client for the server of this queue directory, or empty when no server answers there
     * (no socket, or a stale one left by a server that was killed).
     */
    public static Optional<ControlClient> connect(Path queueDirectory) {
        Path socket = ControlProtocol.socketPath(queueDirectory);
        if (!Files.exists(socket)) {
            return Optional.empty();
        }
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            return Optional.of(new ControlClient(socket));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public boolean live() {
        return true;
    }

    @Override
    public List<Listed> list() throws IOException {
        List<Listed> out = new ArrayList<>();
        request("list", (line, in) -> out.add(ControlProtocol.parseEntry(line)));
        return out;
    }

    @Override
    public Optional<Shown> show(String queueId) throws IOException {
        Listed[] entry = new Listed[1];
        byte[][] content = new byte[1][];
        request("show " + queueId, (line, in) -> {
            if (line.startsWith("content ")) {
                int length = Integer.parseInt(line.substring(8));
                content[0] = in.readNBytes(length);
                if (content[0].length != length) {
                    throw new IOException("queue control: content ended early");
                }
            } else {
                entry[0] = ControlProtocol.parseEntry(line);
            }
        });
        return entry[0] == null || content[0] == null ? Optional.empty() : Optional.of(new Shown(entry[0], content[0]));
    }

    @Override
    public Result delete(Selection which) throws IOException {
        return change("delete", which);
    }

    @Override
    public Result hold(Selection which) throws IOException {
        return change("hold", which);
    }

    @Override
    public Result release(Selection which) throws IOException {
        return change("release", which);
    }

    @Override
    public Result requeue(Selection which) throws IOException {
        return change("requeue", which);
    }

    @Override
    public Result flush(String domain) throws IOException {
        return result("flush" + (domain == null ? "" : " " + domain));
    }

    /**
     * Asks the server to re-read its configuration. The notes come back whether or not it was
     * accepted; a refusal is {@code accepted = false}, not an exception.
     */
    public ControlServer.Reload reload() throws IOException {
        List<String> notes = new ArrayList<>();
        try {
            request("reload", (line, in) -> {
                if (!line.startsWith("note ")) {
                    throw new IOException("queue control: unexpected reply line: " + line);
                }
                notes.add(line.substring(5));
            });
        } catch (RefusedException e) {
            notes.add(e.getMessage());
            return new ControlServer.Reload(false, notes);
        }
        return new ControlServer.Reload(true, notes);
    }

    /** The server's {@code error} answer. */
    private static final class RefusedException extends IOException {
        RefusedException(String message) {
            super(message);
        }
    }

    private Result change(String command, Selection which) throws IOException {
        String args = switch (which.kind()) {
            case ALL -> "ALL";
            case DEFERRED -> "DEFERRED";
            case IDS -> String.join(" ", which.queueIds());
        };
        return result(command + " " + args);
    }

    private Result result(String request) throws IOException {
        List<String> done = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        request(request, (line, in) -> {
            if (line.startsWith("done ")) {
                done.add(line.substring(5));
            } else if (line.startsWith("missing ")) {
                missing.add(line.substring(8));
            } else {
                throw new IOException("queue control: unexpected reply line: " + line);
            }
        });
        return new Result(done, missing);
    }

    private interface ItemHandler {
        void item(String line, InputStream in) throws IOException;
    }

    private void request(String request, ItemHandler handler) throws IOException {
        if (request.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("a queue control argument cannot contain a line break");
        }
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
             InputStream in = new BufferedInputStream(Channels.newInputStream(ch))) {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch));
            ControlProtocol.writeLine(out, request);
            out.flush();
            while (true) {
                String line = ControlProtocol.readLine(in);
                if (line == null) {
                    throw new IOException("queue control: the server closed the connection without an answer");
                }
                if (line.equals("ok")) {
                    return;
                }
                if (line.startsWith("error ")) {
                    throw new RefusedException("the server answered: " + line.substring(6));
                }
                handler.item(line, in);
            }
        }
    }
}
