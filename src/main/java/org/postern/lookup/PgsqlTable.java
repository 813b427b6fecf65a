package org.postern.lookup;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code pgsql:/file.cf} tables per pgsql_table(5). Settings: {@code hosts}, {@code user},
 * {@code password}, {@code dbname} plus the SQL settings of {@link SqlTable}. Hosts are tried in
 * random order; a host that fails is tried last for {@code retry_interval} seconds. Each host keeps
 * a few idle connections for reuse. Nothing connects until the first lookup, so opening the table
 * (and configuration checks) never touch the network. Any connection or query failure is a
 * {@link LookupException}, never "not found".
 */
final class PgsqlTable extends SqlTable {

    private static final Logger log = LoggerFactory.getLogger(PgsqlTable.class);
    static final Set<String> KEYS;

    static {
        Set<String> k = new HashSet<>(COMMON_KEYS);
        k.addAll(Set.of("hosts", "user", "password", "dbname", "encoding", "idle_interval", "retry_interval"));
        KEYS = Set.copyOf(k);
    }

    /** One server: a JDBC URL and the connection properties for it. */
    record Host(String label, String url, Properties props) {
    }

    private final List<HostState> hosts = new ArrayList<>();
    private final Clock clock;
    private final long retryMillis;

    private final class HostState {
        final Host host;
        final ConcurrentLinkedDeque<Connection> idle = new ConcurrentLinkedDeque<>();
        volatile long downUntil;

        HostState(Host host) {
            this.host = host;
        }
    }

    PgsqlTable(String spec, SqlSettings cf, Opener opener, Clock clock) throws TableConfigException {
        super(spec, cf, opener);
        this.clock = clock;
        this.retryMillis = 1000L * cf.integer("retry_interval", 60);
        String dbname = cf.require("dbname", "dbname = mail");
        String user = cf.get("user", "");
        String password = cf.get("password", "");
        String hostList = cf.get("hosts", "localhost");
        for (String h : MemoryTable.splitList(cf.file.toString(), hostList)) {
            hosts.add(new HostState(host(cf, h, dbname, user, password)));
        }
        if (hosts.isEmpty()) {
            throw cf.error("hosts", "no hosts", "list at least one server, for example \"hosts = 127.0.0.1:5432\"");
        }
    }

    /** Parses one {@code hosts} element: host, host:port, inet:host[:port], [v6]:port, or a URI. */
    static Host host(SqlSettings cf, String h, String dbname, String user, String password) throws TableConfigException {
        Properties p = new Properties();
        p.setProperty("user", user);
        p.setProperty("password", password);
        p.setProperty("connectTimeout", "5");
        p.setProperty("socketTimeout", "60");
        p.setProperty("ApplicationName", "postern");
        // Quoting in SqlTable doubles single quotes only; that is safe exactly when backslashes
        // are ordinary characters in string literals, so make sure they are.
        p.setProperty("options", "-c standard_conforming_strings=on");
        if (h.startsWith("postgresql://") || h.startsWith("postgres://")) {
            URI uri;
            try {
                uri = new URI(h);
            } catch (Exception e) {
                throw cf.error("hosts", "bad URI " + h, "write postgresql://user@host:port/dbname");
            }
            if (uri.getHost() == null) {
                throw cf.error("hosts", "URI without a host: " + h, "write postgresql://user@host:port/dbname");
            }
            String db = uri.getPath() == null || uri.getPath().length() <= 1 ? dbname : uri.getPath().substring(1);
            if (uri.getUserInfo() != null) {
                String[] ui = uri.getUserInfo().split(":", 2);
                p.setProperty("user", ui[0]);
                if (ui.length > 1) {
                    p.setProperty("password", ui[1]);
                }
            }
            if (uri.getRawQuery() != null) {
                for (String kv : uri.getRawQuery().split("&")) {
                    String[] parts = kv.split("=", 2);
                    p.setProperty(URLDecoder.decode(parts[0], StandardCharsets.UTF_8),
                            parts.length > 1 ? URLDecoder.decode(parts[1], StandardCharsets.UTF_8) : "");
                }
            }
            String hostPart = uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "");
            return new Host(hostPart, "jdbc:postgresql://" + hostPart + "/" + db, p);
        }
        if (h.startsWith("unix:")) {
            String path = h.substring(5);
            if (!path.startsWith("/")) {
                throw cf.error("hosts", "bad unix socket " + h, "write unix:/var/run/postgresql/.s.PGSQL.5432");
            }
            p.setProperty("socketFactory", UnixSocketFactory.class.getName());
            p.setProperty("socketFactoryArg", path);
            return new Host(h, "jdbc:postgresql://localhost/" + dbname, p);
        }
        String rest = h.startsWith("inet:") ? h.substring(5) : h;
        String hostName = rest;
        String port = "5432";
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0) {
                throw cf.error("hosts", "bad host " + h, "write [2001:db8::1]:5432");
            }
            hostName = rest.substring(0, close + 1);
            if (rest.length() > close + 1) {
                if (rest.charAt(close + 1) != ':') {
                    throw cf.error("hosts", "bad host " + h, "write [2001:db8::1]:5432");
                }
                port = rest.substring(close + 2);
            }
        } else if (rest.indexOf(':') >= 0) {
            int colon = rest.lastIndexOf(':');
            hostName = rest.substring(0, colon);
            port = rest.substring(colon + 1);
        }
        if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) > 65535 || hostName.isEmpty()) {
            throw cf.error("hosts", "bad host " + h, "write host, host:port, inet:host:port, unix:/socket or a postgresql:// URI");
        }
        return new Host(hostName + ":" + port, "jdbc:postgresql://" + hostName + ":" + port + "/" + dbname, p);
    }

    List<Host> hosts() {
        return hosts.stream().map(s -> s.host).toList();
    }

    @Override
    List<String> run(String sql) throws LookupException {
        List<HostState> order = new ArrayList<>(hosts);
        Collections.shuffle(order);
        long now = clock.millis();
        // Hosts that failed recently go last instead of being skipped, so a single-host table
        // recovers as soon as the server is back.
        order.sort((a, b) -> Boolean.compare(a.downUntil > now, b.downUntil > now));
        SQLException last = null;
        for (HostState h : order) {
            try {
                return runOn(h, sql);
            } catch (SQLException e) {
                last = e;
                if (isQueryError(e)) {
                    break;
                }
                h.downUntil = clock.millis() + retryMillis;
                log.warn("{}: server {} failed: {}", spec(), h.host.label(), e.getMessage());
            }
        }
        throw new LookupException(spec(), "query failed: " + (last == null ? "no server" : last.getMessage()), last);
    }

    /** An error in the SQL itself (syntax, unknown column): another server will not do better. */
    private static boolean isQueryError(SQLException e) {
        String state = e.getSQLState();
        return state != null && state.startsWith("42");
    }

    private List<String> runOn(HostState h, String sql) throws SQLException {
        Connection c = h.idle.pollFirst();
        if (c != null) {
            try {
                List<String> r = execute(c, sql);
                h.idle.offerFirst(c);
                return r;
            } catch (SQLException e) {
                closeQuietly(c);
                if (isQueryError(e)) {
                    throw e;
                }
                // A kept connection may have been closed by the server; retry once on a new one.
            }
        }
        c = DriverManager.getConnection(h.host.url(), h.host.props());
        try {
            List<String> r = execute(c, sql);
            h.idle.offerFirst(c);
            while (h.idle.size() > 4) {
                closeQuietly(h.idle.pollLast());
            }
            return r;
        } catch (SQLException e) {
            closeQuietly(c);
            throw e;
        }
    }

    static List<String> execute(Connection c, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Statement st = c.createStatement()) {
            st.setQueryTimeout(30);
            try (ResultSet rs = st.executeQuery(sql)) {
                ResultSetMetaData md = rs.getMetaData();
                while (rs.next()) {
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        String v = rs.getString(i);
                        if (v != null) {
                            values.add(v);
                        }
                    }
                }
            }
        }
        return values;
    }

    private static void closeQuietly(Connection c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (SQLException e) {
            // already broken
        }
    }

    @Override
    public void close() {
        super.close();
        for (HostState h : hosts) {
            Connection c;
            while ((c = h.idle.pollFirst()) != null) {
                closeQuietly(c);
            }
        }
    }
}
