package org.postern.config;

/**
 * The value syntax of a parameter; it decides how a value is checked at load time and how
 * {@link ParameterSet} converts it.
 */
public enum ParameterType {
    /** Free text. */
    STRING,
    /** Free text that is expanded later with run-time macros (such as {@code $rbl_code}), not at load. */
    TEMPLATE,
    /** {@code yes} or {@code no}. */
    BOOLEAN,
    /** A decimal integer. */
    INTEGER,
    /** A number with an optional unit s, m, h, d or w; the default unit is per parameter. */
    TIME,
    /** A number of bytes. */
    SIZE,
    /** Words separated by commas and/or whitespace. */
    LIST,
    /** A list of lookup tables ({@code type:table}). */
    TABLES,
    /** A list of domain names, {@code /file} names and {@code type:table} lookups. */
    DOMAIN_LIST,
    /** Networks as in mynetworks: CIDR blocks, {@code [ipv6]/len}, host names, {@code !} exclusions, files, tables. */
    NETWORK_LIST,
    /** A restriction list (SMTPD_ACCESS_README). */
    RESTRICTIONS,
    /** One word from a fixed set. */
    ENUM,
    /** A list of {@code host[:port]} or {@code [ipv6]:port} endpoints. */
    HOSTPORT_LIST,
    /** A database URL: {@code postgresql://...}, {@code sqlite:PATH}, {@code jdbc:...} or empty. */
    DATABASE_URL
}
