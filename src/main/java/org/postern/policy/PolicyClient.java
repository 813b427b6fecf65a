package org.postern.policy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.postern.config.ParameterSet;
import org.postern.config.PostfixLists;

/**
 * Client side of Postfix's policy delegation protocol (postfix-restrictions.md section 6.1,
 * SMTPD_POLICY_README): {@code name=value} lines ended by an empty line, answered by
 * {@code action=...} and an empty line, over {@code inet:host:port} or {@code unix:/path}. Idle
 * connections are kept and reused. A failure (unreachable, timeout, bad reply) is retried up to
 * {@code try_limit} times, then the {@code default_action} is returned. Thread-safe.
 */
final class PolicyClient {

    private static final ExecutorService IO = Executors.newVirtualThreadPerTaskExecutor();

    private final String endpoint;
    private final SocketAddress address;
    final Duration timeout;
    final String defaultAction;
    final int tryLimit;
    final String policyContext;
    private final ConcurrentLinkedDeque<Conn> idle = new ConcurrentLinkedDeque<>();

    private record Conn(SocketChannel channel, BufferedReader in, OutputStream out) {
        void close() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private PolicyClient(String endpoint, SocketAddress address, Duration timeout, String defaultAction, int tryLimit,
                         String policyContext) {
        this.endpoint = endpoint;
        this.address = address;
        this.timeout = timeout;
        this.defaultAction = defaultAction;
        this.tryLimit = Math.max(1, tryLimit);
        this.policyContext = policyContext;
    }

    /**
     * Parses {@code inet:host:port}, {@code unix:/path} or the 3.0+ form
     * {@code { endpoint, timeout=10s, default_action=DUNNO, ... }}; null if there is no endpoint.
     */
    static PolicyClient parse(String arg, ParameterSet params) {
        String body = PostfixLists.unbrace(arg);
        String[] parts = body.split(",");
        String endpoint = parts[0].strip();
        Duration timeout = params.time("smtpd_policy_service_timeout");
        String defaultAction = params.get("smtpd_policy_service_default_action");
        int tryLimit = params.integer("smtpd_policy_service_try_limit");
        String context = "";
        for (int i = 1; i < parts.length; i++) {
            String o = parts[i].strip();
            int eq = o.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String name = o.substring(0, eq).strip();
            String value = o.substring(eq + 1).strip();
            switch (name) {
                case "timeout" -> timeout = parseTime(value, timeout);
                case "default_action" -> defaultAction = value;
                case "try_limit" -> tryLimit = value.matches("\\d+") ? Integer.parseInt(value) : tryLimit;
                case "policy_context" -> context = value;
                default -> { }
            }
        }
        SocketAddress address;
        if (endpoint.startsWith("inet:")) {
            String hp = endpoint.substring(5);
            int colon = hp.lastIndexOf(':');
            if (colon <= 0) {
                return null;
            }
            String host = hp.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            try {
                address = new InetSocketAddress(host, Integer.parseInt(hp.substring(colon + 1)));
            } catch (IllegalArgumentException e) {
                return null;
            }
        } else if (endpoint.startsWith("unix:")) {
            String path = endpoint.substring(5);
            Path p = path.startsWith("/") ? Path.of(path) : Path.of(params.get("queue_directory"), path);
            address = UnixDomainSocketAddress.of(p);
        } else {
            return null;
        }
        return new PolicyClient(endpoint, address, timeout, defaultAction, tryLimit, context);
    }

    private static Duration parseTime(String v, Duration fallback) {
        var m = java.util.regex.Pattern.compile("(\\d+)([smhd]?)").matcher(v);
        if (!m.matches()) {
            return fallback;
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            default -> Duration.ofSeconds(n);
        };
    }

    String endpoint() {
        return endpoint;
    }

    /**
     * Sends one request (attribute name/value pairs in wire order) and returns the action text
     * (the value of {@code action=}), or the default action when the server cannot be used.
     */
    String query(List<String[]> attributes) {
        StringBuilder request = new StringBuilder(512);
        for (String[] a : attributes) {
            request.append(a[0]).append('=').append(a[1] == null ? "" : a[1]).append('\n');
        }
        request.append('\n');
        byte[] bytes = request.toString().getBytes(StandardCharsets.UTF_8);
        for (int attempt = 0; attempt < tryLimit; attempt++) {
            Conn conn = idle.pollFirst();
            try {
                if (conn == null) {
                    conn = connect();
                }
                Conn c = conn;
                Future<String> f = IO.submit(() -> exchange(c, bytes));
                String action = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (action != null) {
                    idle.addFirst(conn);
                    return action;
                }
                conn.close();
            } catch (IOException | ExecutionException | TimeoutException e) {
                if (conn != null) {
                    conn.close();
                }
            } catch (InterruptedException e) {
                if (conn != null) {
                    conn.close();
                }
                Thread.currentThread().interrupt();
                break;
            }
        }
        return defaultAction;
    }

    private Conn connect() throws IOException, InterruptedException, ExecutionException, TimeoutException {
        Future<SocketChannel> f = IO.submit(() -> SocketChannel.open(address));
        SocketChannel ch;
        try {
            ch = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw e;
        }
        return new Conn(ch, new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8)),
                Channels.newOutputStream(ch));
    }

    /** Null on a malformed reply (no action= line). */
    private static String exchange(Conn c, byte[] request) throws IOException {
        c.out().write(request);
        c.out().flush();
        String action = null;
        for (String line; (line = c.in().readLine()) != null; ) {
            if (line.isEmpty()) {
                return action;
            }
            if (line.startsWith("action=")) {
                action = line.substring(7);
            }
        }
        throw new IOException("policy server closed the connection");
    }
}
