package org.postern.config;

import java.util.List;

/**
 * One service line of master.cf (master(5)): the eight fixed fields, the {@code -o} overrides as
 * {@link Setting}s whose origin is the master.cf line, and the remaining command arguments in
 * order. Fields keep their text as written; {@code -} means "the default" as in Postfix.
 */
public record MasterService(String name, String type, String privateFlag, String unprivileged,
                            String chroot, String wakeup, String maxproc, String command,
                            List<Setting> overrides, List<String> args, Origin origin) {

    public MasterService {
        overrides = List.copyOf(overrides);
        args = List.copyOf(args);
    }

    /** The key under which a later line replaces an earlier one: name and type together. */
    public String key() {
        return name + "/" + type;
    }
}
