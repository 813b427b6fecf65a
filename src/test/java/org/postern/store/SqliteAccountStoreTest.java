package org.postern.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The account store on an SQLite file in a temporary directory. */
class SqliteAccountStoreTest extends AccountStoreContract {

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
