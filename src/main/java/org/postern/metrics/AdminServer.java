package org.postern.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * The admin HTTP port ({@code postern_admin_listen}): {@code /metrics} in the Prometheus text
 * format, {@code /health/live} (the process answers) and {@code /health} or
 * {@code /health/ready} (every readiness check passes: 200, else 503 naming the failed check).
 * The JDK's own HTTP server, one virtual thread per request; GET and HEAD only.
 *
 * <p>There is no authentication: the port is meant for loopback (the default) or a private
 * monitoring network, like Postfix's own unauthenticated local services.
 */
public final class AdminServer implements AutoCloseable {

    /** One readiness check: null when ready, else what is wrong (one line). */
    @FunctionalInterface
    public interface Check {
        String problem();
    }

    private final HttpServer http;
    private final Map<String, Check> checks;

    private AdminServer(HttpServer http, Map<String, Check> checks) {
        this.http = http;
        this.checks = checks;
    }

    /** Binds the address and starts serving; the checks run in their order on every readiness request. */
    public static AdminServer start(InetSocketAddress address, Map<String, Check> checks) throws IOException {
        HttpServer http = HttpServer.create(address, 50);
        AdminServer admin = new AdminServer(http, new LinkedHashMap<>(checks));
        http.createContext("/", admin::handle);
        http.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        http.start();
        return admin;
    }

    /** The bound address (port 0 in tests becomes the real port). */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, "text/plain; charset=utf-8", "only GET and HEAD\n");
                return;
            }
            switch (exchange.getRequestURI().getPath()) {
                case "/metrics" -> send(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", Metrics.exposition());
                case "/health/live" -> send(exchange, 200, "text/plain; charset=utf-8", "live\n");
                case "/health", "/health/ready" -> ready(exchange);
                default -> send(exchange, 404, "text/plain; charset=utf-8",
                        "not found; try /metrics, /health or /health/live\n");
            }
        }
    }

    private void ready(HttpExchange exchange) throws IOException {
        StringBuilder body = new StringBuilder();
        boolean ready = true;
        for (Map.Entry<String, Check> c : checks.entrySet()) {
            String problem;
            try {
                problem = c.getValue().problem();
            } catch (RuntimeException e) {
                problem = e.toString();
            }
            ready &= problem == null;
            body.append(c.getKey()).append(": ").append(problem == null ? "ok" : problem.replace('\n', ' ')).append('\n');
        }
        body.insert(0, ready ? "ready\n" : "not ready\n");
        send(exchange, ready ? 200 : 503, "text/plain; charset=utf-8", body.toString());
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        http.stop(0);
    }
}
