package org.postern.config;

import java.util.Objects;

/**
 * One {@code name = value} assignment as written in main.cf or in a master.cf {@code -o}
 * override, with the place it was written. The value is raw: {@code $name} references are
 * expanded only when the value is read (see {@link ParameterSet}).
 */
public record Setting(String name, String value, Origin origin) {

    public Setting {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(origin, "origin");
    }
}
