package org.postern.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;

/**
 * The connection pool to Postern's database, PostgreSQL or an embedded SQLite file, with the
 * schema brought up to date by Flyway ({@code classpath:db/migration}) when it opens.
 *
 * <p>The migrations are plain SQL that both databases accept, so every query in the store is
 * the same on both.
 */
public final class Database implements AutoCloseable {

    /*
     * SQLite allows one writer at a time. WAL lets readers run beside it, busy_timeout makes a
     * second writer wait instead of failing at once, and IMMEDIATE transactions take the write
     * lock at BEGIN, so a read-then-write transaction never has to be aborted to avoid a
     * deadlock (https://www.sqlite.org/lang_transaction.html). SQLite enforces foreign keys
     * only when asked, per connection.
     */
    private static final int SQLITE_POOL = 4;
    private static final int POSTGRES_POOL = 8;
    private static final String SQLITE_BUSY_TIMEOUT_MS = "10000";

    private final HikariDataSource pool;
    private final boolean postgres;

    private Database(HikariDataSource pool, boolean postgres) {
        this.pool = pool;
        this.postgres = postgres;
    }

    /**
     * Opens the database and migrates its schema.
     *
     * @param databaseUrl the {@code database_url} setting; empty or blank for SQLite
     *     {@code postern.db} in the data directory
     * @param dataDirectory where SQLite files with a relative path live; created if missing
     * @throws StoreException if the URL is malformed, the database cannot be reached, or the
     *     migration fails; the message says what to check and never contains a password
     */
    public static Database open(String databaseUrl, Path dataDirectory) throws StoreException {
        return open(databaseUrl, dataDirectory, DEFAULT_TIMEOUT);
    }

    /** The default of {@code database_timeout}. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

    /**
     * As {@link #open(String, Path)}, with {@code database_timeout}: how long a query waits for
     * a connection before it fails. While the database is down every lookup fails after this
     * time (a temporary failure for the client), and the pool connects again by itself when the
     * database is back.
     */
    public static Database open(String databaseUrl, Path dataDirectory, Duration timeout) throws StoreException {
        // HikariCP's smallest connection timeout is 250 ms.
        long timeoutMillis = Math.max(250, timeout.toMillis());
        DatabaseUrl url = DatabaseUrl.parse(databaseUrl, dataDirectory);
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url.jdbcUrl());
        config.setPoolName("postern-db");
        if (url.user() != null) {
            config.setUsername(url.user());
        }
        if (url.password() != null) {
            config.setPassword(url.password());
        }
        if (url.postgres()) {
            config.setDriverClassName("org.postgresql.Driver");
            config.setMaximumPoolSize(POSTGRES_POOL);
            // pgjdbc's TCP connect timeout, in whole seconds: never longer than the wait for a connection.
            config.addDataSourceProperty("connectTimeout", Long.toString(Math.max(1, Math.min(10, timeoutMillis / 1000))));
        } else {
            config.setDriverClassName("org.sqlite.JDBC");
            config.setMaximumPoolSize(SQLITE_POOL);
            config.addDataSourceProperty("journal_mode", "WAL");
            config.addDataSourceProperty("busy_timeout", SQLITE_BUSY_TIMEOUT_MS);
            config.addDataSourceProperty("foreign_keys", "true");
            config.addDataSourceProperty("transaction_mode", "IMMEDIATE");
        }
        config.setMinimumIdle(1);
        config.setConnectionTimeout(timeoutMillis);
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(config);
        } catch (RuntimeException e) {
            throw new StoreException(connectFailure(url, e), e);
        }
        try {
            Flyway.configure()
                    .dataSource(pool)
                    .locations("classpath:db/migration")
                    .load()
                    .migrate();
        } catch (FlywayException e) {
            pool.close();
            throw new StoreException("cannot bring the schema of " + url + " up to date: " + e.getMessage(), e);
        }
        return new Database(pool, url.postgres());
    }

    public DataSource dataSource() {
        return pool;
    }

    public boolean isPostgres() {
        return postgres;
    }

    @Override
    public void close() {
        pool.close();
    }

    private static String connectFailure(DatabaseUrl url, Throwable e) {
        String advice = url.postgres()
                ? "check that the server is running and accepts TCP connections from this host, that the "
                        + "database exists, and that the user name and password in database_url are right"
                : "check that the directory exists and is writable by this user and that the file is an "
                        + "SQLite database";
        return "cannot connect to " + url + ": " + causes(e) + "; " + advice;
    }

    /** The distinct messages down a cause chain, skipping the pool's own wrapper text. */
    private static String causes(Throwable e) {
        Set<String> parts = new LinkedHashSet<>();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().startsWith("Failed to initialize pool")) {
                String message = t instanceof java.net.UnknownHostException
                        ? "unknown host " + t.getMessage()
                        : t.getMessage();
                parts.add(message.strip().replaceAll("\\.$", ""));
            } else if (t.getMessage() == null && !(t instanceof SQLException)) {
                parts.add(t.getClass().getSimpleName());
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return parts.isEmpty() ? e.toString() : String.join(": ", parts);
    }
}
