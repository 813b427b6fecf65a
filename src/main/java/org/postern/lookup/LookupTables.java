package org.postern.lookup;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Opens Postfix lookup tables from their {@code type:name} text. This is the only way the rest of
 * Postern gets a {@link LookupTable}, and {@link #check} is what start-up validation calls to report
 * every broken table before the server accepts mail.
 *
 * <p>Supported: {@code hash btree lmdb cdb texthash} (all read from the text source file; no postmap
 * needed), {@code inline static cidr regexp pcre pgsql sqlite postern unionmap}, and
 * {@code proxy:type:name}, which acts exactly like {@code type:name} (Postfix's proxymap(8) only
 * shares connections). Each call opens a new table; callers keep it for the life of the
 * configuration and close it when done.
 */
public final class LookupTables {

    /** Types accepted, in the order error messages list them. */
    public static final List<String> TYPES = List.of("hash", "btree", "lmdb", "cdb", "texthash", "inline", "static",
            "cidr", "regexp", "pcre", "pgsql", "sqlite", "postern", "proxy", "unionmap");

    private static final Set<String> INDEXED = Set.of("hash", "btree", "lmdb", "cdb", "texthash");

    private final TableContext context;

    public LookupTables(TableContext context) {
        this.context = context;
    }

    /** Opens one table. Network databases are not contacted until the first lookup. */
    public LookupTable open(String spec) throws TableConfigException {
        return open(spec.strip(), spec.strip());
    }

    /** Null when {@code spec} would open fine, else the message saying what is wrong. */
    public String check(String spec) {
        try (LookupTable t = open(spec)) {
            return null;
        } catch (TableConfigException e) {
            return e.getMessage();
        }
    }

    /**
     * Opens every table of a parameter value such as {@code hash:/a, pgsql:/b} (separated by
     * commas or whitespace; {@code {...}} groups stay whole). If one table fails to open, those
     * already opened are closed.
     */
    public TableList openList(String value) throws TableConfigException {
        return openList(MemoryTable.splitList("table list", value));
    }

    /** Opens the given table specs as one list, searched in order. */
    public TableList openList(List<String> specs) throws TableConfigException {
        List<LookupTable> tables = new ArrayList<>();
        try {
            for (String s : specs) {
                tables.add(open(s));
            }
        } catch (TableConfigException e) {
            tables.forEach(LookupTable::close);
            throw e;
        }
        return new TableList(String.join(", ", specs), tables);
    }

    private LookupTable open(String spec, String whole) throws TableConfigException {
        int colon = spec.indexOf(':');
        if (colon <= 0) {
            throw new TableConfigException("\"" + whole + "\": not a lookup table; write type:name, for example hash:/etc/postfix/access;"
                    + " supported types: " + String.join(", ", TYPES));
        }
        String type = spec.substring(0, colon);
        String name = spec.substring(colon + 1);
        if (name.isBlank()) {
            throw new TableConfigException("\"" + whole + "\": missing table name after \"" + type + ":\"");
        }
        if (INDEXED.contains(type)) {
            return new FileTable(whole, file(name), TextTable::parse, true, context.clock());
        }
        return switch (type) {
            case "proxy" -> open(name, whole);
            case "inline" -> MemoryTable.inline(whole, name);
            case "static" -> MemoryTable.staticValue(whole, name);
            case "cidr" -> new FileTable(whole, file(name), CidrTable::parse, false, context.clock());
            case "regexp" -> new FileTable(whole, file(name), RegexTable.parser(RegexTable.Dialect.REGEXP), false, context.clock());
            case "pcre" -> new FileTable(whole, file(name), RegexTable.parser(RegexTable.Dialect.PCRE), false, context.clock());
            case "pgsql" -> new PgsqlTable(whole, SqlSettings.read(file(name), PgsqlTable.KEYS), this::open, context.clock());
            case "sqlite" -> new SqliteTable(whole, SqlSettings.read(file(name), SqliteTable.KEYS), this::open, context.configDir());
            case "postern" -> new PosternTable(whole, name, context.accounts());
            case "unionmap" -> union(whole, name);
            default -> throw new TableConfigException("\"" + whole + "\": unsupported table type \"" + type
                    + "\"; supported types: " + String.join(", ", TYPES));
        };
    }

    private LookupTable union(String whole, String name) throws TableConfigException {
        String body = name.strip();
        if (!body.startsWith("{") || !body.endsWith("}")) {
            throw new TableConfigException("\"" + whole + "\": write unionmap:{type:name, type:name}");
        }
        TableList list = openList(body.substring(1, body.length() - 1));
        return new UnionTable(whole, list.tables());
    }

    private Path file(String name) {
        return context.resolve(name);
    }
}
