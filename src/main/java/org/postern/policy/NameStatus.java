package org.postern.policy;

/**
 * Outcome of the client name lookups done by the server (postfix-restrictions.md section 11
 * item 3, section 2.2): OK, temporary DNS failure, permanent failure (no PTR, NXDOMAIN), or a
 * forward lookup that did not return the client address (counted as permanent).
 */
public enum NameStatus { OK, TEMP, PERM, FORGED }
