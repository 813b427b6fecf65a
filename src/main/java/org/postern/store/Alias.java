package org.postern.store;

/** One alias row: mail for {@code source} ({@code user@domain} or catch-all {@code @domain}) goes to {@code destination}. */
public record Alias(String source, String destination) {
}
