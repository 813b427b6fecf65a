package org.postern.cli;

import java.io.ByteArrayOutputStream;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads a new password from the terminal (asked twice) or from standard input
 * ({@code --password-stdin}). Never from the command line: argv is visible to every user of the
 * machine through {@code ps}.
 */
final class PasswordInput {

    private PasswordInput() {
    }

    static char[] read(boolean fromStdin, InputStream stdin) {
        return fromStdin ? fromStream(stdin) : fromTerminal();
    }

    /** All of standard input, less one trailing line end (so {@code echo pw |} works). */
    static char[] fromStream(InputStream in) {
        byte[] bytes;
        try {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            in.transferTo(buffer);
            bytes = buffer.toByteArray();
        } catch (IOException e) {
            throw new CliException("cannot read the password from standard input: " + e.getMessage());
        }
        int end = bytes.length;
        if (end > 0 && bytes[end - 1] == '\n') {
            end--;
            if (end > 0 && bytes[end - 1] == '\r') {
                end--;
            }
        }
        char[] password;
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, 0, end));
            password = Arrays.copyOf(chars.array(), chars.limit());
            Arrays.fill(chars.array(), '\0');
        } catch (CharacterCodingException e) {
            throw new CliException("the password on standard input is not valid UTF-8");
        } finally {
            Arrays.fill(bytes, (byte) 0);
        }
        return check(password);
    }

    private static char[] fromTerminal() {
        Console console = System.console();
        if (console == null) {
            throw new CliException("no terminal to ask for the password: pipe it in with --password-stdin");
        }
        char[] first = console.readPassword("New password: ");
        char[] second = console.readPassword("Repeat password: ");
        if (first == null || second == null) {
            throw new CliException("no password given");
        }
        boolean same = Arrays.equals(first, second);
        Arrays.fill(second, '\0');
        if (!same) {
            Arrays.fill(first, '\0');
            throw new CliException("the two passwords differ; nothing was changed");
        }
        return check(first);
    }

    private static char[] check(char[] password) {
        if (password.length == 0) {
            throw new CliException("the password is empty; nothing was changed");
        }
        for (char c : password) {
            if (c == '\n' || c == '\r' || c == '\0') {
                throw new CliException("the password contains a line break or NUL; SMTP AUTH could not send it");
            }
        }
        return password;
    }
}
