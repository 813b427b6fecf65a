package org.postern.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.postern.metrics.Metrics;

/**
 * The JDBC plumbing the store's classes share: a connection per unit of work, transactions for
 * writes, prepared statements with String/Long/Boolean parameters, and database errors turned
 * into {@link StoreException}s that say what was being done.
 */
final class Sql {

    private Sql() {
    }

    @FunctionalInterface
    interface Work<T> {
        T run(Connection c) throws SQLException, StoreException;
    }

    @FunctionalInterface
    interface Row<T> {
        T map(ResultSet r) throws SQLException;
    }

    static <T> T read(Database database, String what, Work<T> work) throws StoreException {
        long start = System.nanoTime();
        try (Connection c = database.dataSource().getConnection()) {
            return work.run(c);
        } catch (SQLException e) {
            throw failed(what, e);
        } finally {
            Metrics.DATABASE_QUERIES.observeSince(start, "read");
        }
    }

    /** Runs the work in one transaction: all of it is stored, or nothing. */
    static <T> T write(Database database, String what, Work<T> work) throws StoreException {
        long start = System.nanoTime();
        try (Connection c = database.dataSource().getConnection()) {
            c.setAutoCommit(false);
            try {
                T result = work.run(c);
                c.commit();
                return result;
            } catch (SQLException | StoreException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException rollbackFailure) {
                    e.addSuppressed(rollbackFailure);
                }
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw failed(what, e);
        } finally {
            Metrics.DATABASE_QUERIES.observeSince(start, "write");
        }
    }

    static StoreException failed(String what, SQLException e) {
        return new StoreException("cannot " + what + ": database error: " + e.getMessage(), e);
    }

    static <T> List<T> query(Connection c, String sql, Row<T> row, Object... params) throws SQLException {
        try (PreparedStatement s = prepare(c, sql, params); ResultSet r = s.executeQuery()) {
            List<T> out = new ArrayList<>();
            while (r.next()) {
                out.add(row.map(r));
            }
            return out;
        }
    }

    static int update(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement s = prepare(c, sql, params)) {
            return s.executeUpdate();
        }
    }

    static boolean exists(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement s = prepare(c, sql, params); ResultSet r = s.executeQuery()) {
            return r.next();
        }
    }

    static long count(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement s = prepare(c, sql, params); ResultSet r = s.executeQuery()) {
            r.next();
            return r.getLong(1);
        }
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... params) throws SQLException {
        PreparedStatement s = c.prepareStatement(sql);
        try {
            for (int i = 0; i < params.length; i++) {
                switch (params[i]) {
                    case String v -> s.setString(i + 1, v);
                    case Long v -> s.setLong(i + 1, v);
                    case Boolean v -> s.setBoolean(i + 1, v);
                    default -> throw new IllegalArgumentException("unsupported parameter type " + params[i].getClass());
                }
            }
            return s;
        } catch (SQLException | RuntimeException e) {
            s.close();
            throw e;
        }
    }
}
