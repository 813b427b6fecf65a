package org.postern.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Text output for the command line: {@code postconf}-style listings, a main.cf with every
 * default, and the Markdown parameter reference (docs/parameters.md).
 *
 * <p>Regenerate the reference with
 * {@code java -cp target/classes org.postern.config.ConfigOutput docs/parameters.md}
 * (or run the tests with {@code -Dpostern.updateDocs=true}).
 */
public final class ConfigOutput {

    private ConfigOutput() {
    }

    /**
     * Lines {@code name = value} like postconf(1): raw (unexpanded) values, sorted by name.
     *
     * @param explicitOnly only names set in main.cf or by {@code -o} (like {@code postconf -n})
     * @param names        names to print (all if empty); an unknown name is an error
     */
    public static String postconf(ParameterSet set, boolean explicitOnly, List<String> names) throws ConfigException {
        return postconf(set, explicitOnly, false, names);
    }

    /** As {@link #postconf(ParameterSet, boolean, List)}; with {@code expand}, values after $name expansion (postconf -x). */
    public static String postconf(ParameterSet set, boolean explicitOnly, boolean expand, List<String> names)
            throws ConfigException {
        List<String> selected = new ArrayList<>();
        List<ConfigProblem> problems = new ArrayList<>();
        if (names.isEmpty()) {
            for (String name : set.names()) {
                if (!explicitOnly || set.isExplicit(name)) {
                    selected.add(name);
                }
            }
        } else {
            for (String name : names) {
                if (set.raw(name) == null) {
                    problems.add(ConfigProblem.error(Origin.COMMAND_LINE, name, "unknown parameter",
                            Suggestions.didYouMean(name, set.names(), "see docs/parameters.md")));
                } else if (!explicitOnly || set.isExplicit(name)) {
                    selected.add(name);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        StringBuilder out = new StringBuilder();
        for (String name : selected) {
            String value = expand ? set.get(name) : set.raw(name);
            out.append(name).append(value.isEmpty() ? " =" : " = " + value).append('\n');
        }
        return out.toString();
    }

    /** A main.cf that sets every parameter to its default, each with its description as a comment. */
    public static String defaultsAsMainCf() {
        StringBuilder out = new StringBuilder();
        out.append("# Every Postern parameter with its built-in default.\n");
        for (Parameter p : Parameters.all()) {
            out.append('\n');
            for (String line : wrap(p.description(), 76)) {
                out.append("# ").append(line).append('\n');
            }
            out.append(p.name()).append(p.defaultValue().isEmpty() ? " =" : " = " + p.defaultValue()).append('\n');
        }
        return out.toString();
    }

    /** The parameter reference in Markdown, generated from {@link Parameters}. */
    public static String markdownReference() {
        StringBuilder out = new StringBuilder();
        out.append("# Postern parameter reference\n\n");
        out.append("<!-- Generated from org.postern.config.Parameters; do not edit. Regenerate with:\n");
        out.append("     mvn -q -B compile && java -cp target/classes org.postern.config.ConfigOutput docs/parameters.md\n");
        out.append("     or: mvn -q -B test -Dtest=ConfigOutputTest -Dpostern.updateDocs=true -->\n\n");
        out.append("Parameters use Postfix's names, meanings and defaults (Postfix 3.7 at compatibility_level 3.6)")
                .append(" unless a description says otherwise. Set them in `main.cf`, or per listener with `-o`")
                .append(" in `master.cf`. Time values take a unit s, m, h, d or w; a bare number uses the unit")
                .append(" given below.\n\n");
        out.append("Postfix parameters that Postern accepts but does not use (they load with a warning): ")
                .append(String.join(", ", PostfixOnlyParameters.names().stream().sorted().map(n -> "`" + n + "`").toList()))
                .append(".\n\n");
        for (Parameter p : Parameters.all()) {
            out.append("## ").append(p.name()).append("\n\n");
            out.append("- Type: ").append(p.type().name().toLowerCase().replace('_', ' '));
            if (p.type() == ParameterType.TIME) {
                out.append(" (bare number: ").append(p.timeUnit()).append(')');
            }
            if (!p.allowed().isEmpty()) {
                out.append(" (").append(String.join(", ",
                        p.allowed().stream().map(a -> a.isEmpty() ? "empty" : "`" + a + "`").toList())).append(')');
            }
            out.append('\n');
            out.append("- Default: ").append(p.defaultValue().isEmpty() ? "empty" : "`" + p.defaultValue() + "`")
                    .append("\n\n");
            out.append(p.description()).append("\n\n");
        }
        return out.toString();
    }

    private static List<String> wrap(String text, int width) {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (!line.isEmpty() && line.length() + 1 + word.length() > width) {
                lines.add(line.toString());
                line.setLength(0);
            }
            if (!line.isEmpty()) {
                line.append(' ');
            }
            line.append(word);
        }
        if (!line.isEmpty()) {
            lines.add(line.toString());
        }
        return lines;
    }

    /** Writes the Markdown reference to the file named by the first argument. */
    public static void main(String[] args) throws IOException {
        Path target = Path.of(args.length > 0 ? args[0] : "docs/parameters.md");
        Files.createDirectories(target.toAbsolutePath().getParent());
        Files.writeString(target, markdownReference());
    }
}
