package org.postern.lookup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * What {@code pgsql:} and {@code sqlite:} tables share (pgsql_table(5), sqlite_table(5)): the query
 * and result templates, the {@code domain} restriction, {@code expansion_limit}, the legacy
 * {@code select_field}/{@code table}/{@code where_field}/{@code additional_conditions} settings, and
 * joining several result values with commas. Subclasses only run a query.
 */
abstract class SqlTable implements LookupTable {

    /** Opens a nested table named in a {@code domain} setting. */
    interface Opener {
        LookupTable open(String spec) throws TableConfigException;
    }

    static final Set<String> COMMON_KEYS = Set.of("query", "result_format", "domain", "expansion_limit",
            "select_field", "table", "where_field", "additional_conditions");

    private final String spec;
    private final String query;
    private final String resultFormat;
    private final int expansionLimit;
    private final Set<String> domains = new HashSet<>();
    private final List<LookupTable> domainTables = new ArrayList<>();
    private final boolean domainRestricted;

    SqlTable(String spec, SqlSettings cf, Opener opener) throws TableConfigException {
        this.spec = spec;
        if (cf.has("query")) {
            query = cf.get("query", "");
        } else if (cf.has("select_field") || cf.has("table") || cf.has("where_field")) {
            // Legacy settings, used only without "query" (pgsql_table(5), "OBSOLETE QUERY INTERFACE").
            // These settings are plain SQL, not templates: a % in them is literal.
            query = "SELECT " + literal(cf.require("select_field", "select_field = destination"))
                    + " FROM " + literal(cf.require("table", "table = aliases"))
                    + " WHERE " + literal(cf.require("where_field", "where_field = address")) + " = '%s'"
                    + (cf.has("additional_conditions") ? " " + literal(cf.get("additional_conditions", "")) : "");
        } else {
            throw new TableConfigException(cf.file + ": missing setting \"query\"; add a line such as"
                    + " \"query = SELECT goto FROM alias WHERE address='%s'\"");
        }
        String problem = SqlTemplate.validate(query);
        if (problem != null) {
            throw cf.error(cf.has("query") ? "query" : "where_field", "bad query template", problem);
        }
        resultFormat = cf.get("result_format", "%s");
        problem = SqlTemplate.validate(resultFormat);
        if (problem != null) {
            throw cf.error("result_format", "bad result_format", problem);
        }
        expansionLimit = cf.integer("expansion_limit", 0);
        domainRestricted = cf.has("domain");
        if (domainRestricted) {
            for (String d : MemoryTable.splitList(cf.file.toString(), cf.get("domain", ""))) {
                addDomain(cf, d, opener);
            }
        }
    }

    private void addDomain(SqlSettings cf, String entry, Opener opener) throws TableConfigException {
        if (entry.startsWith("/")) {
            Path f = Path.of(entry);
            try {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    String t = line.strip();
                    if (!t.isEmpty() && !t.startsWith("#")) {
                        for (String d : t.split("[\\s,]+")) {
                            domains.add(d.toLowerCase(Locale.ROOT));
                        }
                    }
                }
            } catch (IOException e) {
                throw cf.error("domain", "cannot read domain list file " + f,
                        "create the file (one domain per line) or remove it from the setting");
            }
        } else if (entry.matches("[a-z]+:.*")) {
            domainTables.add(opener.open(entry));
        } else {
            domains.add(entry.toLowerCase(Locale.ROOT));
        }
    }

    private static String literal(String sql) {
        return sql.replace("%", "%%");
    }

    /** Runs one SQL statement and returns every column of every row, row by row, NULLs omitted. */
    abstract List<String> run(String sql) throws LookupException;

    /** Quotes a value for use inside a {@code '...'} string literal of this database. */
    static String quote(String value) {
        return value.replace("'", "''");
    }

    @Override
    public String spec() {
        return spec;
    }

    @Override
    public boolean fixedString() {
        return true;
    }

    @Override
    public Optional<String> find(String rawKey) throws LookupException {
        // SQL tables fold the key to lower case, like indexed tables.
        String key = rawKey.toLowerCase(Locale.ROOT);
        if (key.indexOf('\0') >= 0) {
            // No stored string can contain NUL, and it must never reach the SQL text.
            return Optional.empty();
        }
        if (domainRestricted && !domainAllowed(key)) {
            return Optional.empty();
        }
        Optional<String> sql = SqlTemplate.query(query, key, SqlTable::quote);
        if (sql.isEmpty()) {
            return Optional.empty();
        }
        List<String> formatted = new ArrayList<>();
        for (String value : run(sql.get())) {
            if (value.isEmpty()) {
                continue;
            }
            Optional<String> f = SqlTemplate.result(resultFormat, value, key);
            if (f.isEmpty()) {
                continue;
            }
            formatted.add(f.get());
            if (expansionLimit > 0 && formatted.size() > expansionLimit) {
                throw new LookupException(spec, "expansion limit exceeded for key \"" + key + "\" (expansion_limit = "
                        + expansionLimit + ")");
            }
        }
        return formatted.isEmpty() ? Optional.empty() : Optional.of(String.join(",", formatted));
    }

    /**
     * pgsql_table(5) "domain": only user@domain keys with a non-empty local part and a listed
     * domain are queried; anything else is not found without a query.
     */
    private boolean domainAllowed(String key) throws LookupException {
        int at = key.lastIndexOf('@');
        if (at <= 0 || at == key.length() - 1) {
            return false;
        }
        String domain = key.substring(at + 1);
        if (domains.contains(domain)) {
            return true;
        }
        for (LookupTable t : domainTables) {
            if (t.find(domain).isPresent()) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        for (LookupTable t : domainTables) {
            t.close();
        }
    }
}
