package org.postern.lookup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.sqlite.SQLiteConfig;

/**
 * {@code sqlite:/file.cf} tables per sqlite_table(5): {@code dbpath} names the database file, the
 * other settings are those of {@link SqlTable}. The database is opened read-only on first lookup
 * and the connection is kept; lookups on one table are serialised (SQLite is local and fast).
 */
final class SqliteTable extends SqlTable {

    static final Set<String> KEYS;

    static {
        Set<String> k = new HashSet<>(COMMON_KEYS);
        k.add("dbpath");
        KEYS = Set.copyOf(k);
    }

    private final Path dbpath;
    private Connection connection;

    SqliteTable(String spec, SqlSettings cf, Opener opener, Path configDir) throws TableConfigException {
        super(spec, cf, opener);
        dbpath = configDir.resolve(cf.require("dbpath", "dbpath = /var/lib/postern/mail.sqlite"));
        if (!Files.isRegularFile(dbpath)) {
            throw cf.error("dbpath", "database file " + dbpath + " does not exist", "fix the path or create the database");
        }
    }

    @Override
    synchronized List<String> run(String sql) throws LookupException {
        try {
            if (connection == null) {
                SQLiteConfig config = new SQLiteConfig();
                config.setReadOnly(true);
                connection = DriverManager.getConnection("jdbc:sqlite:" + dbpath, config.toProperties());
            }
            return PgsqlTable.execute(connection, sql);
        } catch (SQLException e) {
            close();
            throw new LookupException(spec(), "query failed: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        super.close();
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                // nothing to do
            }
            connection = null;
        }
    }
}
