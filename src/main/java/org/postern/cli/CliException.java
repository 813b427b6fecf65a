package org.postern.cli;

/** A command failed in a way the user can fix; the message is printed as {@code postern: MESSAGE}. */
final class CliException extends RuntimeException {

    private final int exitCode;

    CliException(String message) {
        this(message, 1);
    }

    CliException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    int exitCode() {
        return exitCode;
    }
}
