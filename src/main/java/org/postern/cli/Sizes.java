package org.postern.cli;

import java.util.Locale;

/** Byte sizes on the command line: a number with an optional K, M or G suffix (powers of 1024). */
final class Sizes {

    private Sizes() {
    }

    static long parse(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        long unit = 1;
        if (t.endsWith("K") || t.endsWith("M") || t.endsWith("G")) {
            unit = switch (t.charAt(t.length() - 1)) {
                case 'K' -> 1L << 10;
                case 'M' -> 1L << 20;
                default -> 1L << 30;
            };
            t = t.substring(0, t.length() - 1);
        }
        try {
            long n = Long.parseLong(t);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return Math.multiplyExact(n, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new CliException("bad size '" + text + "': use a number of bytes, optionally with K, M or G (e.g. 2G)");
        }
    }

    static String format(long bytes) {
        if (bytes % (1L << 30) == 0) {
            return bytes / (1L << 30) + "G";
        }
        if (bytes % (1L << 20) == 0) {
            return bytes / (1L << 20) + "M";
        }
        if (bytes % (1L << 10) == 0) {
            return bytes / (1L << 10) + "K";
        }
        return Long.toString(bytes);
    }
}
