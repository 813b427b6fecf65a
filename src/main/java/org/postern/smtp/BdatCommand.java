package org.postern.smtp;

/**
 * A parsed {@code BDAT chunk-size [LAST]} (RFC 3030 section 2).
 *
 * @param size octets of chunk data that follow the command line
 * @param last the LAST keyword: this chunk ends the message
 */
public record BdatCommand(long size, boolean last) {
}
