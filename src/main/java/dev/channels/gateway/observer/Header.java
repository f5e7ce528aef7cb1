package dev.channels.gateway.observer;

/**
 * One header line as it crossed the wire; lists of these keep arrival order and repeated
 * names.
 *
 * @param name the header name as sent
 * @param value the value as the HTTP layer decoded it (ISO-8859-1)
 */
public record Header(String name, String value) {
}
