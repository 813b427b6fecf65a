package org.postern.difftest;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one scripted SMTP session against a server and records every reply, for the differential
 * tests. A step is one write of one or more command lines (several lines = a pipelined group);
 * the script reads one reply per line. After a 354 reply to DATA it sends a small message.
 */
final class SmtpScript {

    static final String MESSAGE = "Subject: differential test\r\nFrom: <alice@example.test>\r\n\r\nhello\r\n.\r\n";

    /** One exchange: the command as sent and the server's reply (lines joined with \n). */
    record Exchange(String command, String reply) {
    }

    private SmtpScript() {
    }

    /** Connects, reads the greeting, runs the steps (stopping when the server hangs up). */
    static List<Exchange> run(int port, List<String> steps) throws IOException {
        return run(port, steps, MESSAGE);
    }

    /** As {@link #run(int, List)}, sending {@code message} (with its ending ".") after a 354. */
    static List<Exchange> run(int port, List<String> steps, String message) throws IOException {
        return run(null, port, steps, message);
    }

    /**
     * As {@link #run(int, List, String)}, connecting from {@code localAddress} (any 127/8
     * address; null for the default), so the server sees that client address.
     */
    static List<Exchange> run(String localAddress, int port, List<String> steps, String message) throws IOException {
        List<Exchange> out = new ArrayList<>();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port,
                localAddress == null ? null : InetAddress.getByName(localAddress), 0)) {
            s.setSoTimeout(15_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            OutputStream o = s.getOutputStream();
            String greeting = readReply(in);
            out.add(new Exchange("(connect)", greeting));
            if (closed(greeting)) {
                return out;
            }
            for (String step : steps) {
                String[] lines = step.split("\n");
                StringBuilder wire = new StringBuilder();
                for (String l : lines) {
                    wire.append(l).append("\r\n");
                }
                try {
                    o.write(wire.toString().getBytes(StandardCharsets.ISO_8859_1));
                    o.flush();
                } catch (IOException e) {
                    out.add(new Exchange(lines[0], "<closed: " + e.getMessage() + ">"));
                    return out;
                }
                for (String l : lines) {
                    String reply = readReply(in);
                    out.add(new Exchange(l, reply));
                    if (closed(reply)) {
                        return out;
                    }
                    if (l.equalsIgnoreCase("DATA") && reply.startsWith("354")) {
                        try {
                            o.write(message.getBytes(StandardCharsets.ISO_8859_1));
                            o.flush();
                        } catch (IOException e) {
                            // the reply below tells what happened
                        }
                        String end = readReply(in);
                        out.add(new Exchange("(end of data)", end));
                        if (closed(end)) {
                            return out;
                        }
                    }
                }
            }
        }
        return out;
    }

    private static boolean closed(String reply) {
        return reply.startsWith("<");
    }

    /** Reads one (possibly multi-line) reply; "<closed>" when the server hung up. */
    private static String readReply(BufferedReader in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            String line;
            try {
                line = in.readLine();
            } catch (SocketTimeoutException e) {
                return sb + "<timeout>";
            } catch (IOException e) {
                return sb + "<closed: " + e.getMessage() + ">";
            }
            if (line == null) {
                return sb + "<closed>";
            }
            if (!sb.isEmpty()) {
                sb.append('\n');
            }
            sb.append(line);
            if (line.length() < 4 || line.charAt(3) != '-') {
                return sb.toString();
            }
        }
    }
}
