package org.postern.lookup;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * {@code cidr:} tables per cidr_table(5): {@code network/prefix result} or {@code address result},
 * IPv4 or IPv6 (optionally in {@code []}), {@code !pattern} to match addresses outside a network,
 * and nestable {@code if pattern} ... {@code endif} blocks. Patterns are tried in file order and the
 * first match wins. The query key must be an IP address; any other key is simply not found.
 */
final class CidrTable {

    private CidrTable() {
    }

    /** One network: address bytes with the host bits zero, and the prefix length. */
    record Network(byte[] address, int prefix, boolean negated) {
        boolean matches(byte[] ip) {
            if (ip.length != address.length) {
                // An IPv4 pattern never matches an IPv6 key and vice versa, negated or not.
                return false;
            }
            return covers(ip) != negated;
        }

        private boolean covers(byte[] ip) {
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (ip[i] != address[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (ip[full] & mask) == (address[full] & mask);
        }
    }

    /** A rule: a plain entry (result != null) or an if-block (children != null). */
    private record Rule(Network network, String result, List<Rule> children) {
    }

    static FileTable.Content parse(Path file, List<SourceLines.Line> lines) throws TableConfigException {
        List<Rule> top = new ArrayList<>();
        Deque<List<Rule>> stack = new ArrayDeque<>();
        Deque<SourceLines.Line> openIfs = new ArrayDeque<>();
        List<Rule> current = top;
        for (SourceLines.Line line : lines) {
            String text = line.text();
            if (text.equalsIgnoreCase("endif")) {
                if (stack.isEmpty()) {
                    throw TableConfigException.at(file, line.number(), text, "endif without a matching if",
                            "remove it or add an \"if pattern\" line before it");
                }
                current = stack.pop();
                openIfs.pop();
                continue;
            }
            int ws = TextTable.firstWhitespace(text);
            String first = ws < 0 ? text : text.substring(0, ws);
            String rest = ws < 0 ? "" : text.substring(ws).strip();
            if (first.equalsIgnoreCase("if")) {
                if (rest.isEmpty() || TextTable.firstWhitespace(rest) >= 0) {
                    throw TableConfigException.at(file, line.number(), text, "bad if line",
                            "write \"if network/prefix\" with nothing after the pattern");
                }
                List<Rule> children = new ArrayList<>();
                current.add(new Rule(network(file, line, rest), null, children));
                stack.push(current);
                openIfs.push(line);
                current = children;
                continue;
            }
            if (rest.isEmpty()) {
                throw TableConfigException.at(file, line.number(), text, "pattern without a result",
                        "expected \"network/prefix result\", for example \"192.0.2.0/24 REJECT\"");
            }
            current.add(new Rule(network(file, line, first), rest, null));
        }
        if (!openIfs.isEmpty()) {
            SourceLines.Line open = openIfs.peek();
            throw TableConfigException.at(file, open.number(), open.text(), "if without a matching endif",
                    "add an \"endif\" line after the block");
        }
        return key -> {
            byte[] ip = Ips.parse(key);
            return ip == null ? Optional.empty() : Optional.ofNullable(match(top, ip));
        };
    }

    private static String match(List<Rule> rules, byte[] ip) {
        for (Rule r : rules) {
            if (!r.network().matches(ip)) {
                continue;
            }
            if (r.children() == null) {
                return r.result();
            }
            String inner = match(r.children(), ip);
            if (inner != null) {
                return inner;
            }
        }
        return null;
    }

    static Network network(Path file, SourceLines.Line line, String pattern) throws TableConfigException {
        String p = pattern;
        boolean negated = p.startsWith("!");
        if (negated) {
            p = p.substring(1);
        }
        String addr = p;
        String len = null;
        int slash = p.lastIndexOf('/');
        if (slash >= 0) {
            addr = p.substring(0, slash);
            len = p.substring(slash + 1);
        }
        if (addr.startsWith("[") && addr.endsWith("]")) {
            addr = addr.substring(1, addr.length() - 1);
        }
        byte[] bytes = Ips.parse(addr);
        if (bytes == null) {
            throw TableConfigException.at(file, line.number(), pattern, "not an IP address or network",
                    "expected an address like 192.0.2.1 or [2001:db8::1], optionally with /prefix");
        }
        int bits = bytes.length * 8;
        int prefix = bits;
        if (len != null) {
            prefix = len.matches("[0-9]{1,3}") ? Integer.parseInt(len) : -1;
            if (prefix < 0 || prefix > bits) {
                throw TableConfigException.at(file, line.number(), pattern, "bad prefix length",
                        "the prefix must be a number from 0 to " + bits);
            }
        }
        byte[] masked = bytes.clone();
        for (int i = 0; i < masked.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - 8 * i));
            masked[i] &= (byte) ((0xff << (8 - keep)) & 0xff);
        }
        // cidr_table(5): the host part of a network pattern must be zero.
        if (!java.util.Arrays.equals(bytes, masked)) {
            String fixed = Ips.format(masked) + "/" + prefix;
            if (bytes.length == 16 && pattern.contains("[")) {
                fixed = "[" + Ips.format(masked) + "]/" + prefix;
            }
            throw TableConfigException.at(file, line.number(), pattern, "non-zero host bits in network",
                    "perhaps you mean \"" + (negated ? "!" : "") + fixed + "\"");
        }
        return new Network(masked, prefix, negated);
    }
}
