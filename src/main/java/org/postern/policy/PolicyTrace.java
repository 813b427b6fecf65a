package org.postern.policy;

import java.util.Optional;

import org.postern.dns.DnsResult;

/**
 * What a {@link PolicySession} does while it decides, step by step: the stage, each list it
 * enters, each restriction with its result, each table lookup and DNS answer, the
 * defer_if_permit / defer_if_reject / warn_if_reject flags, and the final decision. Used by
 * {@code postern explain}; the server passes none, and then the session pays one null check per
 * step (see {@link PolicyEngine#newSession(PolicyTrace)}).
 *
 * <p>Calls arrive in evaluation order on the session's thread. Every method does nothing by
 * default, so a listener overrides only what it needs.
 */
public interface PolicyTrace {

    /** The result of one restriction (postfix-restrictions.md section 1.2). */
    enum Outcome { DUNNO, OK, REJECT }

    /** A stage begins: CONNECT, HELO, EHLO, MAIL, RCPT, DATA, END-OF-MESSAGE or ETRN. */
    default void stage(String stage) {
    }

    /**
     * Evaluation enters a list: a top-level parameter such as {@code smtpd_client_restrictions},
     * a restriction class, or the restriction list an access table returned.
     *
     * @param list  the parameter or class name, or {@code table -> value} for an access result
     * @param name  the reply name of the list ({@code host[addr]}, the HELO name, an address)
     * @param cls   the reply class ({@code Client host}, ...)
     */
    default void enterList(String list, String name, String cls) {
    }

    /** The list entered last is done: DUNNO when it ran to its end. */
    default void leaveList(String list, Outcome outcome) {
    }

    /**
     * One restriction was evaluated.
     *
     * @param restriction the canonical name, e.g. {@code reject_unknown_client_hostname}
     * @param argument    its argument (table, DNS list, ...) or null
     * @param outcome     DUNNO, OK or REJECT
     * @param reply       for REJECT, the reply it produced; else null
     */
    default void restriction(String restriction, String argument, Outcome outcome, PolicyReply reply) {
    }

    /** One key looked up in one table: the value, or empty when the key is not there. */
    default void lookup(String table, String key, Optional<String> value) {
    }

    /** A table lookup failed (temporary error; the reply becomes 451). */
    default void lookupError(String table, String key, String error) {
    }

    /**
     * A DNS query and its answer.
     *
     * @param type   A, ADDR (A and AAAA), MX, NS, TXT or PTR
     * @param cached true when the session had the answer already and sent no query
     */
    default void dns(String type, String name, DnsResult<?> result, boolean cached) {
    }

    /**
     * A flag changed: {@code defer_if_permit} or {@code defer_if_reject} raised with the reply it
     * saved, {@code defer_if_permit applied} when the saved reply replaces an accept,
     * {@code warn_if_reject} for the next restriction, or {@code reject_warning} when a reject
     * was only logged.
     */
    default void flag(String flag, PolicyReply reply) {
    }

    /** Anything else worth showing: warnings the engine logs, skipped lists, address classes. */
    default void note(String text) {
    }

    /** The decision of the stage, as returned to the caller. */
    default void decision(String stage, Decision decision) {
    }
}
