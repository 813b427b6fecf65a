package org.postern.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;

class TestPostgresTest {

    @Test
    void startsARealServerAndCreatesIsolatedDatabases() throws Exception {
        TestPostgres pg = TestPostgres.get();
        String a = pg.createDatabase();
        String b = pg.createDatabase();
        assertThat(a).isNotEqualTo(b);
        try (Connection c = DriverManager.getConnection(pg.jdbcUrl(a));
             ResultSet rs = c.createStatement().executeQuery("SELECT current_database(), version()")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo(a);
            assertThat(rs.getString(2)).startsWith("PostgreSQL");
        }
    }
}
