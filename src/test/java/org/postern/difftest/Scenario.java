package org.postern.difftest;

import java.util.ArrayList;
import java.util.List;

/**
 * One SMTP dialogue of a differential test, run the same way against Postfix and Postern.
 * Defaults: a stranger (203.0.113.10) with forward-confirmed reverse DNS impersonated with
 * XCLIENT, EHLO, alice -> bob, no DATA.
 *
 * <p>With {@link #connectFrom} the client instead connects from that loopback address and sends
 * no XCLIENT, so each server looks up the client's name in DNS itself (XCLIENT {@code NAME=}
 * sets a name without any lookup).
 */
final class Scenario {

    static final String UNAVAIL = "[UNAVAILABLE]";
    static final String TEMP = "[TEMPUNAVAIL]";

    final String config;
    final String name;
    String ip = "203.0.113.10";
    String clientName = "mail.client.example";
    String reverseName = "mail.client.example";
    String connectFrom;   // a local address to connect from, without XCLIENT; null: XCLIENT
    String login;
    String auth;   // "AUTH ..." line(s) after HELO, "\n" between a command and its continuation
    String helo = "EHLO mail.client.example";
    String sender = "alice@example.test";
    List<String> rcpts = List.of("bob@example.test");
    boolean data;
    List<String> steps;   // when set, replaces HELO/MAIL/RCPT/DATA
    String message = SmtpScript.MESSAGE;

    Scenario(String config, String name) {
        this.config = config;
        this.name = name;
    }

    Scenario ip(String v) { ip = v; return this; }
    Scenario names(String name, String reverse) { clientName = name; reverseName = reverse; return this; }
    Scenario connectFrom(String v) { connectFrom = v; return this; }
    Scenario login(String v) { login = v; return this; }
    Scenario auth(String user, String password) { auth = "AUTH PLAIN " + plain(user, password); return this; }
    Scenario helo(String v) { helo = v; return this; }
    Scenario from(String v) { sender = v; return this; }
    Scenario to(String... v) { rcpts = List.of(v); return this; }
    Scenario data() { data = true; return this; }
    Scenario steps(String... v) { steps = List.of(v); return this; }
    Scenario message(String v) { message = v; return this; }

    String id() {
        return config + "/" + name;
    }

    List<String> script() {
        List<String> s = new ArrayList<>();
        if (connectFrom == null) {
            s.add("XCLIENT ADDR=" + ip + " NAME=" + clientName + " REVERSE_NAME=" + reverseName
                    + (login != null ? " LOGIN=" + login : ""));
        }
        if (steps != null) {
            s.addAll(steps);
        } else {
            if (helo != null) {
                s.add(helo);
            }
            if (auth != null) {
                s.add(auth);
            }
            if (sender != null) {
                s.add("MAIL FROM:<" + sender + ">");
            }
            for (String r : rcpts) {
                s.add("RCPT TO:<" + r + ">");
            }
            if (data) {
                s.add("DATA");
            }
        }
        s.add("QUIT");
        return s;
    }

    static String plain(String user, String password) {
        return java.util.Base64.getEncoder().encodeToString(("\0" + user + "\0" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
