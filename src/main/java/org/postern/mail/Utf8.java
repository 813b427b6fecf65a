package org.postern.mail;

/**
 * UTF-8 well-formedness check on raw bytes, as RFC 6531 (SMTPUTF8) section 3.3 requires for
 * {@code UTF8-non-ascii} in addresses and as Postfix checks whole command lines
 * ({@code 500 5.5.2 Error: bad UTF-8 syntax}). Rules from RFC 3629 section 4: no overlong
 * forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF.
 */
public final class Utf8 {
    private Utf8() {
    }

    /** True when {@code b[off, off+len)} is well-formed UTF-8 (plain ASCII included). */
    public static boolean isValid(byte[] b, int off, int len) {
        int i = off;
        int end = off + len;
        while (i < end) {
            int c = b[i] & 0xff;
            if (c < 0x80) {
                i++;
                continue;
            }
            int n = sequenceLength(b, i, end);
            if (n < 0) {
                return false;
            }
            i += n;
        }
        return true;
    }

    /** True when any byte has the high bit set. */
    public static boolean hasNonAscii(byte[] b, int off, int len) {
        for (int i = off, end = off + len; i < end; i++) {
            if (b[i] < 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * Length of the well-formed multi-byte sequence starting at {@code i} (lead byte at least
     * 0x80), or -1 when it is malformed or truncated before {@code end}. RFC 3629 section 4 table.
     */
    static int sequenceLength(byte[] b, int i, int end) {
        int c = b[i] & 0xff;
        int n;
        int lo = 0x80;
        int hi = 0xbf;
        if (c >= 0xc2 && c <= 0xdf) {
            n = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 3;
            if (c == 0xe0) {
                lo = 0xa0; // no overlong 3-byte forms
            } else if (c == 0xed) {
                hi = 0x9f; // no surrogates
            }
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 4;
            if (c == 0xf0) {
                lo = 0x90; // no overlong 4-byte forms
            } else if (c == 0xf4) {
                hi = 0x8f; // nothing above U+10FFFF
            }
        } else {
            return -1;
        }
        if (i + n > end) {
            return -1;
        }
        int c1 = b[i + 1] & 0xff;
        if (c1 < lo || c1 > hi) {
            return -1;
        }
        for (int k = 2; k < n; k++) {
            int ck = b[i + k] & 0xff;
            if (ck < 0x80 || ck > 0xbf) {
                return -1;
            }
        }
        return n;
    }
}
