package org.postern.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A loaded and validated Postern configuration: main.cf parameters, and the SMTP listeners of
 * master.cf with their per-service overrides. Everything is checked at load, never at first
 * use; all problems are reported together. Without a main.cf the built-in defaults apply;
 * without a master.cf the listeners of {@link #DEFAULT_MASTER_CF} are used.
 */
public final class Configuration {

    /**
     * Listeners used when there is no master.cf: port 25 for incoming mail, 587 (STARTTLS) and
     * 465 (implicit TLS) for the domain's users, following the stock Postfix submission entries
     * (master(5), SASL_README). The submission ports also hold senders to the addresses their
     * login owns (smtpd_sender_login_maps).
     */
    public static final String DEFAULT_MASTER_CF = """
            # Postern's built-in master.cf, used when the configuration directory has none.
            # service     type  private unpriv  chroot  wakeup  maxproc command + args
            smtp          inet  n       -       n       -       -       smtpd
            submission    inet  n       -       n       -       -       smtpd
              -o syslog_name=postern/submission
              -o smtpd_tls_security_level=encrypt
              -o smtpd_sasl_auth_enable=yes
              -o smtpd_tls_auth_only=yes
              -o smtpd_client_restrictions=permit_sasl_authenticated,reject
              -o smtpd_sender_restrictions=reject_sender_login_mismatch
              -o smtpd_reject_unlisted_recipient=no
            submissions   inet  n       -       n       -       -       smtpd
              -o syslog_name=postern/submissions
              -o smtpd_tls_wrappermode=yes
              -o smtpd_tls_security_level=encrypt
              -o smtpd_sasl_auth_enable=yes
              -o smtpd_tls_auth_only=yes
              -o smtpd_client_restrictions=permit_sasl_authenticated,reject
              -o smtpd_sender_restrictions=reject_sender_login_mismatch
              -o smtpd_reject_unlisted_recipient=no
            """;

    /** Origin file name of the built-in master.cf lines. */
    public static final Path BUILT_IN_MASTER_CF = Path.of("built-in master.cf");

    private final Path configDir;
    private final MainCf mainCf;
    private final MasterCf masterCf;
    private final ParameterSet main;
    private final List<Listener> listeners;
    private final List<ConfigProblem> warnings;

    private Configuration(Path configDir, MainCf mainCf, MasterCf masterCf, ParameterSet main,
                          List<Listener> listeners, List<ConfigProblem> warnings) {
        this.configDir = configDir;
        this.mainCf = mainCf;
        this.masterCf = masterCf;
        this.main = main;
        this.listeners = List.copyOf(listeners);
        this.warnings = List.copyOf(warnings);
    }

    /** Loads main.cf and master.cf from {@code configDir} with syntax and value checks only. */
    public static Configuration load(Path configDir) throws ConfigException {
        return load(configDir, TableChecker.NONE, RestrictionChecker.NONE);
    }

    /**
     * Loads and fully validates {@code configDir}: syntax, parameter names and values, table
     * references (through {@code tables}) and restriction lists (through {@code restrictions}).
     *
     * @throws ConfigException with every problem (errors and warnings) if there is any error
     */
    public static Configuration load(Path configDir, TableChecker tables, RestrictionChecker restrictions)
            throws ConfigException {
        Path mainPath = configDir.resolve("main.cf");
        Path masterPath = configDir.resolve("master.cf");
        try {
            String mainText = Files.exists(mainPath) ? Files.readString(mainPath) : null;
            String masterText = Files.exists(masterPath) ? Files.readString(masterPath) : null;
            return build(configDir, mainPath, mainText, masterPath, masterText, tables, restrictions);
        } catch (IOException e) {
            throw new ConfigException(ConfigProblem.error(Origin.of(configDir, 0), "",
                    "cannot read configuration: " + e, "check that the files exist and are readable"));
        }
    }

    /**
     * Builds a configuration from text (for tests and tools). A null text means "file absent".
     * Origins name {@code configDir/main.cf} and {@code configDir/master.cf}.
     */
    public static Configuration fromText(Path configDir, String mainText, String masterText,
                                         TableChecker tables, RestrictionChecker restrictions)
            throws ConfigException {
        return build(configDir, configDir.resolve("main.cf"), mainText, configDir.resolve("master.cf"),
                masterText, tables, restrictions);
    }

    /** Built-in defaults only: no main.cf, the built-in master.cf. */
    public static Configuration defaults() {
        try {
            return build(null, Path.of("main.cf"), null, BUILT_IN_MASTER_CF, null, TableChecker.NONE,
                    RestrictionChecker.NONE);
        } catch (ConfigException e) {
            throw new IllegalStateException("built-in configuration is invalid", e);
        }
    }

    private static Configuration build(Path configDir, Path mainPath, String mainText, Path masterPath,
                                       String masterText, TableChecker tables, RestrictionChecker restrictions)
            throws ConfigException {
        MainCf mainCf = mainText == null ? new MainCf(mainPath, List.of(), List.of()) : MainCf.parse(mainPath, mainText);
        MasterCf masterCf = masterText == null
                ? MasterCf.parse(BUILT_IN_MASTER_CF, DEFAULT_MASTER_CF)
                : MasterCf.parse(masterPath, masterText);
        List<ConfigProblem> problems = new ArrayList<>(mainCf.problems());
        problems.addAll(masterCf.problems());

        Map<String, Setting> mainSettings = new LinkedHashMap<>();
        for (Setting s : mainCf.settings()) {
            mainSettings.put(s.name(), s);
        }
        ParameterSet main = new ParameterSet(mainSettings);
        List<Listener> listeners = new ArrayList<>();
        for (MasterService service : masterCf.services()) {
            Listener listener = Listeners.fromService(service, main, problems);
            if (listener != null) {
                listeners.add(listener);
            }
        }
        Configuration config = new Configuration(configDir, mainCf, masterCf, main, listeners, List.of());
        problems.addAll(new Validator(config, tables, restrictions).validate());
        Set<String> seen = new LinkedHashSet<>();
        List<ConfigProblem> unique = new ArrayList<>();
        for (ConfigProblem p : problems) {
            if (seen.add(p.toString())) {
                unique.add(p);
            }
        }
        // Report in file and line order, so that the admin can work through the files top to bottom.
        unique.sort(java.util.Comparator.comparing((ConfigProblem p) -> p.origin().isFile() ? p.origin().file().toString() : "\uffff")
                .thenComparingInt(p -> p.origin().line()));
        if (unique.stream().anyMatch(ConfigProblem::isError)) {
            throw new ConfigException(unique);
        }
        return new Configuration(configDir, mainCf, masterCf, main, listeners, unique);
    }

    /**
     * Runs the full validation again with the given checkers (e.g. after {@link #defaults()}).
     *
     * @return the warnings
     * @throws ConfigException if there is any error
     */
    public List<ConfigProblem> validate(TableChecker tables, RestrictionChecker restrictions) throws ConfigException {
        List<ConfigProblem> problems = new ArrayList<>(new Validator(this, tables, restrictions).validate());
        if (problems.stream().anyMatch(ConfigProblem::isError)) {
            throw new ConfigException(problems);
        }
        return problems;
    }

    /** Effective main.cf parameters. */
    public ParameterSet main() {
        return main;
    }

    /** SMTP listeners in master.cf order. */
    public List<Listener> listeners() {
        return listeners;
    }

    /** The listener with this master.cf service name (e.g. {@code submission}). */
    public Optional<Listener> listener(String name) {
        return listeners.stream().filter(l -> l.name().equals(name)).findFirst();
    }

    /** Every master.cf service, including those Postern does not run. */
    public List<MasterService> masterServices() {
        return masterCf.services();
    }

    /** The parsed main.cf (empty when there was none). */
    public MainCf mainCf() {
        return mainCf;
    }

    /** Warnings found at load. */
    public List<ConfigProblem> warnings() {
        return warnings;
    }

    /** The configuration directory, or null for {@link #defaults()}. */
    public Path configDir() {
        return configDir;
    }
}
