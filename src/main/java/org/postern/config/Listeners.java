package org.postern.config;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns master.cf services into {@link Listener}s: only {@code inet} services that run
 * {@code smtpd} listen for SMTP; the other Postfix daemons of a stock master.cf are built into
 * Postern or not needed, and load without effect.
 */
final class Listeners {

    /** Postfix programs whose work Postern does internally; their lines are ignored silently. */
    private static final Set<String> BUILT_IN_COMMANDS = Set.of("pickup", "cleanup", "qmgr", "oqmgr", "tlsmgr",
            "trivial-rewrite", "bounce", "verify", "flush", "proxymap", "showq", "error", "discard", "local",
            "virtual", "lmtp", "smtp", "anvil", "scache", "postlogd", "smtpd", "tlsproxy", "dnsblog");

    /** Port names of services(5) that an SMTP listener uses. */
    private static final Map<String, Integer> PORTS = Map.of("smtp", 25, "submission", 587, "submissions", 465,
            "smtps", 465, "urd", 465, "lmtp", 24);

    private Listeners() {
    }

    static Listener fromService(MasterService service, ParameterSet main, List<ConfigProblem> problems) {
        String command = service.command();
        boolean smtpd = command.equals("smtpd");
        if (command.equals("postscreen") && service.type().equals("inet")) {
            problems.add(ConfigProblem.warning(service.origin(), service.name() + " inet ... postscreen",
                    "Postern has no postscreen; it runs its SMTP server directly on this port",
                    "postscreen_* settings are ignored; use smtpd restrictions (e.g. reject_rbl_client) instead"));
            smtpd = true;
        } else if (!BUILT_IN_COMMANDS.contains(command)) {
            problems.add(ConfigProblem.warning(service.origin(), service.name() + " " + service.type() + " ... " + command,
                    "Postern does not run the Postfix program '" + command + "'; this service is ignored",
                    "remove it, or use Postern's built-in feature instead (e.g. check_spf for policyd-spf)"));
            return null;
        }
        if (!smtpd || !service.type().equals("inet")) {
            return null;
        }
        String name = service.name();
        String host = null;
        String port = name;
        if (name.startsWith("[")) {
            int close = name.indexOf("]:");
            if (close > 0) {
                host = name.substring(1, close);
                port = name.substring(close + 2);
            }
        } else {
            int colon = name.lastIndexOf(':');
            if (colon >= 0) {
                host = name.substring(0, colon);
                port = name.substring(colon + 1);
            }
        }
        Integer number = PORTS.get(port);
        if (number == null && port.matches("\\d{1,5}")) {
            number = Integer.parseInt(port);
        }
        if (number == null || number < 1 || number > 65535) {
            problems.add(ConfigProblem.error(service.origin(), name, "unknown port in service name",
                    "use [host:]port with a port number (1-65535) or smtp, submission or submissions"));
            return null;
        }
        // Postfix sets the read-only service_name per service, before the -o overrides.
        List<Setting> overrides = new java.util.ArrayList<>();
        overrides.add(new Setting("service_name", name, service.origin()));
        overrides.addAll(service.overrides());
        return new Listener(name, host == null || host.isEmpty() ? null : host, number,
                main.with(overrides), service);
    }
}
