package org.postern.config;

import java.util.List;

/**
 * The definition of one parameter Postern knows: name, value syntax, built-in default (raw, may
 * refer to other parameters with {@code $name}) and a one-paragraph description for the
 * generated reference.
 *
 * @param allowed for {@link ParameterType#ENUM}, the accepted words; empty otherwise
 * @param timeUnit for {@link ParameterType#TIME}, the unit of a bare number (postconf(5) gives
 *                 each time parameter its own default unit); {@code 0} otherwise
 */
public record Parameter(String name, ParameterType type, String defaultValue, String description,
                        List<String> allowed, char timeUnit) {

    public Parameter {
        allowed = List.copyOf(allowed);
    }

    public Parameter(String name, ParameterType type, String defaultValue, String description) {
        this(name, type, defaultValue, description, List.of(), type == ParameterType.TIME ? 's' : 0);
    }
}
