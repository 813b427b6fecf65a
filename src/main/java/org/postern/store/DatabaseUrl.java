package org.postern.store;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns Postern's {@code database_url} into what JDBC needs. Forms, as in libpq and SQLAlchemy:
 * empty (SQLite {@code postern.db} in the data directory), {@code postgresql://} or
 * {@code postgres://user[:password]@host[:port]/dbname[?params]}, {@code sqlite:PATH}, and
 * raw {@code jdbc:postgresql:} / {@code jdbc:sqlite:} URLs.
 *
 * @param jdbcUrl the JDBC URL; for PostgreSQL URLs without the credentials
 * @param user user name, or null if given inside a raw JDBC URL
 * @param password password, or null; never part of {@link #toString()}
 * @param postgres true for PostgreSQL, false for SQLite
 * @param where for messages: "PostgreSQL at host:port (database d, user u)" or the SQLite file;
 *     never contains a password
 */
record DatabaseUrl(String jdbcUrl, String user, String password, boolean postgres, String where) {

    static final String FORMS = "valid forms are: empty (SQLite file postern.db in the data directory), "
            + "postgresql://user[:password]@host[:port]/dbname[?params], sqlite:PATH, "
            + "jdbc:postgresql://..., jdbc:sqlite:PATH";

    private static final Pattern JDBC_PG_HOST = Pattern.compile("^jdbc:postgresql://([^/?]*)(/[^?]*)?");

    @Override
    public String toString() {
        return where;
    }

    static DatabaseUrl parse(String url, Path dataDirectory) throws StoreException {
        String u = url == null ? "" : url.strip();
        if (u.isEmpty()) {
            return sqlite(dataDirectory.resolve("postern.db"));
        }
        if (u.startsWith("postgresql://") || u.startsWith("postgres://")) {
            return postgres(u);
        }
        if (u.startsWith("jdbc:postgresql:")) {
            Matcher m = JDBC_PG_HOST.matcher(u);
            String host = m.find() ? m.group(1) : "the configured host";
            // pgjdbc has no user@host syntax: it would take "user:password@host" for a host
            // name and echo it, password included, in its error.
            if (host.contains("@")) {
                throw new StoreException("database_url: a jdbc:postgresql: URL takes the user and password as "
                        + "?user=...&password=... parameters, not user@host; or use "
                        + "postgresql://user:password@host/dbname");
            }
            return new DatabaseUrl(u, null, null, true, "PostgreSQL at " + host);
        }
        if (u.startsWith("sqlite:") || u.startsWith("jdbc:sqlite:")) {
            // Each pooled connection would get its own empty database, and accounts would
            // vanish with the process.
            if (u.contains(":memory:") || u.contains("mode=memory")) {
                throw new StoreException("database_url: an in-memory SQLite database cannot hold accounts; "
                        + "name a file instead");
            }
        }
        if (u.startsWith("jdbc:sqlite:")) {
            return new DatabaseUrl(u, null, null, false, "SQLite " + u.substring("jdbc:sqlite:".length()));
        }
        if (u.startsWith("sqlite:")) {
            String path = u.substring("sqlite:".length());
            // sqlite:///abs/path and sqlite://rel/path are common spellings of the same thing.
            if (path.startsWith("//")) {
                path = path.substring(2);
            }
            if (path.isEmpty()) {
                throw new StoreException("database_url " + u + " names no file; " + FORMS);
            }
            return sqlite(dataDirectory.resolve(path));
        }
        throw new StoreException("database_url is not a database URL Postern understands; " + FORMS);
    }

    private static DatabaseUrl sqlite(Path file) throws StoreException {
        Path absolute = file.toAbsolutePath().normalize();
        try {
            Files.createDirectories(absolute.getParent());
        } catch (IOException e) {
            throw new StoreException("cannot create the directory " + absolute.getParent()
                    + " for the SQLite database: " + e.getMessage(), e);
        }
        return new DatabaseUrl("jdbc:sqlite:" + absolute, null, null, false, "SQLite " + absolute);
    }

    private static DatabaseUrl postgres(String u) throws StoreException {
        URI uri;
        try {
            uri = new URI(u);
        } catch (URISyntaxException e) {
            // The exception text would echo the URL, password included.
            throw new StoreException("database_url is a malformed PostgreSQL URL (percent-encode special "
                    + "characters in the password); " + FORMS);
        }
        String host = uri.getHost();
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String database = decode(path.startsWith("/") ? path.substring(1) : path);
        if (host == null || host.isEmpty() || database.isEmpty() || database.contains("/")) {
            throw new StoreException("database_url must name a host and a database, like "
                    + "postgresql://user:password@host:5432/dbname; " + FORMS);
        }
        String user = null;
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String info = uri.getRawUserInfo();
            int colon = info.indexOf(':');
            user = decode(colon < 0 ? info : info.substring(0, colon));
            password = colon < 0 ? null : decode(info.substring(colon + 1));
        }
        int port = uri.getPort() < 0 ? 5432 : uri.getPort();
        String jdbc = "jdbc:postgresql://" + host + ":" + port + "/" + uri.getRawPath().substring(1)
                + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        String where = "PostgreSQL at " + host + ":" + port + " (database " + database
                + (user == null ? "" : ", user " + user) + ")";
        return new DatabaseUrl(jdbc, user, password, true, where);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }
}
