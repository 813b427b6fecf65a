package org.postern.config;

/**
 * Checks a lookup-table reference such as {@code pgsql:/etc/postfix/virtual.cf} at load time.
 * Config cannot depend on the lookup layer, so the caller that wires layers together passes
 * one in. It is applied to every {@code type:table} item of table, domain-list, network-list
 * and restriction parameters.
 */
@FunctionalInterface
public interface TableChecker {

    /** Accepts every table; for tools that only want syntax checks. */
    TableChecker NONE = spec -> null;

    /** @return null if the table can be used, else a message that says what is wrong and how to fix it */
    String check(String tableSpec);
}
