package org.postern.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The DMARC evaluation records on an SQLite file. */
class SqliteDmarcEvaluationStoreTest extends DmarcEvaluationStoreContract {

    @TempDir
    Path dir;

    @Override
    protected String newDatabaseUrl() {
        return "sqlite:accounts/test.db";
    }

    @Override
    protected Path dataDirectory() {
        return dir;
    }
}
