package org.postern.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.postern.testing.TestPostgres;

/** The DMARC evaluation records on a real PostgreSQL server, a fresh database per test. */
class PostgresDmarcEvaluationStoreTest extends DmarcEvaluationStoreContract {

    @TempDir
    Path dir;

    @Override
    protected String newDatabaseUrl() {
        TestPostgres pg = TestPostgres.get();
        return pg.databaseUrl(pg.createDatabase());
    }

    @Override
    protected Path dataDirectory() {
        return dir;
    }
}
