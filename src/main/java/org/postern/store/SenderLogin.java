package org.postern.store;

/** {@code login} may send as {@code address} ({@code user@domain}, or {@code @domain} for every address of the domain). */
public record SenderLogin(String login, String address) {
}
