package org.postern.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.postern.config.ConfigException;
import org.postern.config.ConfigProblem;
import org.postern.config.Configuration;
import org.postern.config.ParameterSet;
import org.postern.lookup.LookupTables;
import org.postern.lookup.TableContext;
import org.postern.policy.RestrictionCatalog;
import org.postern.store.AccountStore;
import org.postern.store.Database;
import org.postern.store.StoreException;

/**
 * What a command works with, built lazily from the {@code -c DIR} option: the validated
 * configuration, the database and account store, and the lookup-table factory. This is the one
 * place where the layers are wired together.
 */
final class Context implements AutoCloseable {

    private final Path configDir;
    private Configuration configuration;
    private Database database;
    private AccountStore accounts;
    private LookupTables tables;

    Context(Path configDir) {
        this.configDir = configDir;
    }

    Path configDir() {
        return configDir;
    }

    /** The configuration, fully validated (the same checks as {@code config check}). */
    Configuration configuration() throws ConfigException {
        if (configuration == null) {
            if (configDir == null) {
                Configuration defaults = Configuration.defaults();
                defaults.validate(tables()::check, RestrictionCatalog.WITH_DOCTOR);
                configuration = defaults;
            } else {
                if (!Files.isDirectory(configDir)) {
                    throw new CliException("configuration directory " + configDir
                            + " does not exist or is not a directory");
                }
                configuration = Configuration.load(configDir, tables()::check, RestrictionCatalog.WITH_DOCTOR);
            }
        }
        return configuration;
    }

    /**
     * Reads main.cf and master.cf again with the same checks as at start ({@code reload});
     * the current configuration stays until {@link #adopt} is called with this one.
     */
    Configuration readConfigurationAgain() throws ConfigException {
        if (configDir == null) {
            Configuration fresh = Configuration.defaults();
            fresh.validate(tables()::check, RestrictionCatalog.WITH_DOCTOR);
            return fresh;
        }
        return Configuration.load(configDir, tables()::check, RestrictionCatalog.WITH_DOCTOR);
    }

    /** Makes a configuration read by {@link #readConfigurationAgain} the current one. */
    void adopt(Configuration fresh) {
        configuration = fresh;
    }

    /** Warnings of the loaded configuration (deprecated names, Postfix-only parameters, ...). */
    List<ConfigProblem> warnings() throws ConfigException {
        return configuration().warnings();
    }

    ParameterSet parameters() throws ConfigException {
        return configuration().main();
    }

    LookupTables tables() {
        if (tables == null) {
            // Relative table names resolve against the configuration directory, else the working directory.
            Path base = configDir != null ? configDir : Path.of("").toAbsolutePath();
            tables = new LookupTables(new TableContext(base, this::accountsOrFail));
        }
        return tables;
    }

    Path dataDirectory() throws ConfigException {
        return Path.of(parameters().get("data_directory"));
    }

    Database database() throws ConfigException, StoreException {
        if (database == null) {
            database = Database.open(parameters().get("database_url"), dataDirectory(), parameters().time("database_timeout"));
        }
        return database;
    }

    AccountStore accounts() throws ConfigException, StoreException {
        if (accounts == null) {
            accounts = new AccountStore(database());
        }
        return accounts;
    }

    private AccountStore accountsOrFail() {
        try {
            return accounts();
        } catch (ConfigException | StoreException e) {
            throw new CliException(e.getMessage());
        }
    }

    @Override
    public void close() {
        if (database != null) {
            database.close();
        }
    }
}
