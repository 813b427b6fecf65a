package org.postern.smtp;

/**
 * One {@code NAME=value} of Postfix's XCLIENT command (XCLIENT_README): the name upper-cased,
 * the value decoded from xtext. Names and values are checked by the session.
 */
public record XclientAttribute(String name, String value) {
}
