package org.postern.lookup;

/**
 * The result of a multi-key search ({@link AddressSearch}, {@link HostSearch}): the key that was
 * found and its value. Callers need the key for logging and to tell, e.g., a {@code DUNNO} on
 * {@code 1.2.3.4} from a {@code REJECT} on {@code 1.2.3}.
 */
public record SearchHit(String key, String value) {
}
