package org.postern.queue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small MIME reader for tests: splits a message into header fields and body, and a
 * multipart body into its parts (RFC 2045, RFC 2046 section 5.1), so that a generated report
 * can be checked part by part. Independent of the code that writes reports.
 */
record MimeWalk(Map<String, String> headers, String body) {

    private static final Pattern BOUNDARY = Pattern.compile("boundary=\"?([^\";]+)\"?");

    static MimeWalk parse(byte[] message) {
        return parse(new String(message, StandardCharsets.UTF_8));
    }

    static MimeWalk parse(String text) {
        int split = text.indexOf("\r\n\r\n");
        if (text.startsWith("\r\n")) {
            return new MimeWalk(Map.of(), text.substring(2));
        }
        String head = split < 0 ? text : text.substring(0, split + 2);
        String body = split < 0 ? "" : text.substring(split + 4);
        return new MimeWalk(fields(head), body);
    }

    /** Header fields by lower-case name, unfolded (RFC 5322 section 2.2.3); the first of repeated fields. */
    static Map<String, String> fields(String head) {
        Map<String, String> out = new LinkedHashMap<>();
        String unfolded = head.replaceAll("\r\n[ \t]", " ");
        for (String line : unfolded.split("\r\n")) {
            if (line.isEmpty()) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new AssertionError("not a header field: " + line);
            }
            out.putIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        return out;
    }

    String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    String contentType() {
        String ct = header("content-type");
        return ct == null ? "text/plain" : ct.split(";")[0].trim().toLowerCase(Locale.ROOT);
    }

    /** The parts of a multipart body; fails when the closing delimiter is missing. */
    List<MimeWalk> parts() {
        Matcher m = BOUNDARY.matcher(header("content-type"));
        if (!m.find()) {
            throw new AssertionError("no boundary in " + header("content-type"));
        }
        String delimiter = "--" + m.group(1);
        List<MimeWalk> parts = new ArrayList<>();
        String[] pieces = ("\r\n" + body).split("\r\n" + Pattern.quote(delimiter), -1);
        boolean closed = false;
        for (int i = 1; i < pieces.length; i++) {
            String piece = pieces[i];
            if (piece.startsWith("--")) {
                closed = true;
                break;
            }
            parts.add(parse(piece.substring(piece.indexOf("\r\n") + 2)));
        }
        if (!closed) {
            throw new AssertionError("multipart body without closing delimiter " + delimiter + "--");
        }
        return parts;
    }

    /**
     * The field groups of a message/delivery-status body (RFC 3464 section 2.1): the
     * per-message group first, then one per recipient.
     */
    List<Map<String, String>> statusGroups() {
        List<Map<String, String>> groups = new ArrayList<>();
        for (String group : body.split("\r\n\r\n")) {
            if (!group.isBlank()) {
                groups.add(fields(group.endsWith("\r\n") ? group : group + "\r\n"));
            }
        }
        return groups;
    }
}
