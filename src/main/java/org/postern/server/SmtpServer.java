package org.postern.server;

import org.postern.metrics.Metrics;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.postern.config.Listener;
import org.postern.log.MailLog;
import org.postern.lookup.LookupTables;
import org.postern.lookup.TableConfigException;
import org.slf4j.Logger;

/**
 * The SMTP listeners: one server socket per listener and bind address, an accept loop each, and
 * one virtual thread per accepted connection running an {@link SmtpSession}.
 *
 * <p>Stop ({@link #stop}) is graceful: the sockets stop accepting, open sessions get until the
 * deadline to finish, then their connections are closed; a session cut off in the middle of a
 * message aborts it (nothing half-accepted is left in the spool).
 */
public final class SmtpServer implements AutoCloseable {

    private static final Logger LOG = MailLog.logger("master");

    /** A listener could not be started; the message names the port and the fix. */
    public static final class StartException extends Exception {
        public StartException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private record Bound(ServerSocket socket, ListenerSettings settings) {
    }

    /** Replaced by {@link #reconfigure}; a session keeps the context it started with. */
    private volatile ServerContext context;
    /** Listener settings by service name after a reload; a listener not in it keeps its start-up settings. */
    private volatile Map<String, ListenerSettings> reloaded = Map.of();
    private final List<Bound> bound = new ArrayList<>();
    private final Set<SmtpSession> sessions = ConcurrentHashMap.newKeySet();
    private final List<Thread> acceptors = new ArrayList<>();
    private volatile boolean stopping;
    /** Ends plaintext reads past smtpd_timeout (see ReadDeadline); late by at most one tick. */
    private final ScheduledExecutorService readTimeouts = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("smtpd-timeouts").daemon().factory());
    private static final long READ_TIMEOUT_TICK_MILLIS = 200;

    private SmtpServer(ServerContext context) {
        this.context = context;
        readTimeouts.scheduleWithFixedDelay(this::expireOverdueReads, READ_TIMEOUT_TICK_MILLIS,
                READ_TIMEOUT_TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void expireOverdueReads() {
        long now = System.nanoTime();
        for (SmtpSession s : sessions) {
            s.expireOverdueRead(now);
        }
    }

    /**
     * Binds every listener on its addresses and starts accepting.
     *
     * @param interfaces {@code inet_interfaces} ({@code all}, {@code loopback-only} or addresses)
     * @param protocols  {@code inet_protocols} ({@code all}, {@code ipv4}, {@code ipv6})
     */
    public static SmtpServer start(ServerContext context, List<Listener> listeners, List<String> interfaces,
                                   List<String> protocols, LookupTables tables) throws StartException {
        SmtpServer server = new SmtpServer(context);
        try {
            for (Listener listener : listeners) {
                ListenerSettings settings;
                try {
                    settings = ListenerSettings.of(listener, tables);
                } catch (TableConfigException | IllegalArgumentException e) {
                    throw new StartException("service " + listener.name() + " (" + listener.origin() + "): "
                            + e.getMessage(), e);
                }
                for (InetAddress address : bindAddresses(listener, interfaces, protocols)) {
                    server.bound.add(new Bound(bind(listener, address), settings));
                }
            }
        } catch (StartException e) {
            server.closeSockets();
            server.readTimeouts.shutdownNow();
            throw e;
        }
        for (Bound b : server.bound) {
            Thread t = Thread.ofPlatform().name("accept-" + b.settings().name()).daemon().start(() -> server.accept(b));
            server.acceptors.add(t);
            LOG.info("listening on {} for service {}", describe(b.socket()), b.settings().name());
        }
        return server;
    }

    /** The addresses and ports actually bound, in listener order (tests use port 0). */
    public List<InetSocketAddress> addresses() {
        return bound.stream().map(b -> (InetSocketAddress) b.socket().getLocalSocketAddress()).toList();
    }

    /**
     * Sessions accepted from now on use this context and these listener settings (by service
     * name); sessions in progress keep theirs. The sockets stay as bound: a changed port or
     * address takes a restart.
     */
    public void reconfigure(ServerContext newContext, Map<String, ListenerSettings> settings) {
        this.reloaded = Map.copyOf(settings);
        this.context = newContext;
    }

    /** True while every listener socket is open and accepting (the readiness check). */
    public boolean listening() {
        return !stopping && !bound.isEmpty() && bound.stream().allMatch(b -> b.socket().isBound() && !b.socket().isClosed());
    }

    /** Number of open SMTP sessions. */
    public int sessionCount() {
        return sessions.size();
    }

    private static List<InetAddress> bindAddresses(Listener listener, List<String> interfaces, List<String> protocols)
            throws StartException {
        List<String> names = listener.host() != null ? List.of(listener.host()) : interfaces;
        boolean v4 = protocols.isEmpty() || protocols.contains("all") || protocols.contains("ipv4");
        boolean v6 = protocols.isEmpty() || protocols.contains("all") || protocols.contains("ipv6");
        List<InetAddress> out = new ArrayList<>();
        try {
            for (String name : names) {
                switch (name.toLowerCase(java.util.Locale.ROOT)) {
                    case "all" -> out.add(InetAddress.getByName(v6 ? "::" : "0.0.0.0"));
                    case "loopback-only" -> {
                        if (v4) {
                            out.add(InetAddress.getByName("127.0.0.1"));
                        }
                        if (v6) {
                            out.add(InetAddress.getByName("::1"));
                        }
                    }
                    default -> out.add(InetAddress.getByName(name.startsWith("[") && name.endsWith("]")
                            ? name.substring(1, name.length() - 1) : name));
                }
            }
        } catch (IOException e) {
            throw new StartException("cannot resolve the listen address of service " + listener.name() + " ("
                    + listener.origin() + "): " + e.getMessage() + "; use an IP address in inet_interfaces or master.cf", e);
        }
        return out;
    }

    private static ServerSocket bind(Listener listener, InetAddress address) throws StartException {
        if (address instanceof java.net.Inet6Address && address.isAnyLocalAddress()) {
            // "all" binds the IPv6 wildcard, which also takes IPv4 clients; a host without IPv6
            // refuses it (not with "address in use"), and then the IPv4 wildcard serves.
            try {
                return bindOnce(address, listener.port());
            } catch (BindException inUse) {
                throw failure(listener, address, inUse);
            } catch (IOException noIpv6) {
                try {
                    address = InetAddress.getByName("0.0.0.0");
                } catch (IOException impossible) {
                    throw failure(listener, address, noIpv6);
                }
            }
        }
        try {
            return bindOnce(address, listener.port());
        } catch (IOException e) {
            throw failure(listener, address, e);
        }
    }

    private static ServerSocket bindOnce(InetAddress address, int port) throws IOException {
        ServerSocket socket = new ServerSocket();
        try {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(address, port), 1024);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    private static StartException failure(Listener listener, InetAddress address, IOException e) {
        String where = address.getHostAddress() + " port " + listener.port();
        String fix;
        if (e instanceof BindException && String.valueOf(e.getMessage()).contains("ermission")) {
            fix = "ports below 1024 need root or the CAP_NET_BIND_SERVICE capability "
                    + "(setcap cap_net_bind_service=+ep on the java binary), or choose another port in master.cf";
        } else if (e instanceof BindException) {
            fix = "another program (another mail server?) is using the port: stop it "
                    + "(e.g. systemctl stop postfix) or choose another port in master.cf";
        } else {
            fix = "check inet_interfaces and the service line in master.cf";
        }
        return new StartException("cannot listen on " + where + " for service " + listener.name()
                + " (" + listener.origin() + "): " + e.getMessage() + "; " + fix, e);
    }

    private void accept(Bound b) {
        while (!stopping) {
            Socket client;
            try {
                client = b.socket().accept();
            } catch (SocketException closed) {
                return;
            } catch (IOException e) {
                LOG.warn("accept on {}: {}", describe(b.socket()), e.getMessage());
                continue;
            }
            ListenerSettings settings = reloaded.getOrDefault(b.settings().name(), b.settings());
            SmtpSession session = new SmtpSession(context, settings, client);
            sessions.add(session);
            Metrics.SMTPD_CONNECTIONS.inc(settings.name());
            try {
                Thread.ofVirtual().name("smtpd").start(() -> {
                    try {
                        session.run();
                    } finally {
                        sessions.remove(session);
                    }
                });
            } catch (RuntimeException e) {
                sessions.remove(session);
                session.close();
            }
        }
    }

    /**
     * Stops accepting, waits up to {@code grace} for open sessions to end, then closes the rest.
     */
    public void stop(Duration grace) {
        stopping = true;
        closeSockets();
        for (SmtpSession s : sessions) {
            s.requestStop();
        }
        Instant deadline = Instant.now().plus(grace);
        while (!sessions.isEmpty() && Instant.now().isBefore(deadline)) {
            waitForSessions(Duration.ofMillis(50));
        }
        if (!sessions.isEmpty()) {
            LOG.info("closing {} sessions still open after {}s", sessions.size(), grace.toSeconds());
            for (SmtpSession s : sessions) {
                s.close();
            }
            Instant hard = Instant.now().plusSeconds(10);
            while (!sessions.isEmpty() && Instant.now().isBefore(hard)) {
                waitForSessions(Duration.ofMillis(20));
            }
        }
        for (Thread t : acceptors) {
            t.interrupt();
        }
        readTimeouts.shutdownNow();
    }

    private void waitForSessions(Duration d) {
        synchronized (sessions) {
            try {
                sessions.wait(d.toMillis());   // plain timed wait between checks of the session set
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void closeSockets() {
        for (Bound b : bound) {
            try {
                b.socket().close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private static String describe(ServerSocket s) {
        InetSocketAddress a = (InetSocketAddress) s.getLocalSocketAddress();
        String host = a.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    @Override
    public void close() {
        stop(Duration.ZERO);
    }
}
