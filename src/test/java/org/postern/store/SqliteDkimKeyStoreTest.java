package org.postern.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The DKIM key store on an SQLite file. */
class SqliteDkimKeyStoreTest extends DkimKeyStoreContract {

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
