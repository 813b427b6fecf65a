package org.postern.cli;

import picocli.CommandLine;

/**
 * Generates docs/cli.md from the commands' own {@code --help} text, so the two never disagree.
 * A test fails when the file is stale (regenerate with
 * {@code mvn -q -B test -Dtest=CliReferenceTest -Dpostern.updateDocs=true}).
 */
final class CliReference {

    private CliReference() {
    }

    static String markdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Command-line reference\n\n")
                .append("Generated from `bin/postern ... --help`; do not edit by hand ")
                .append("(regenerate with `mvn -q -B test -Dtest=CliReferenceTest -Dpostern.updateDocs=true`).\n\n")
                .append("Every command takes `-c DIR` (`--config-dir DIR`) to use the configuration in DIR ")
                .append("(`main.cf`, `master.cf`); without it, the built-in defaults apply. Errors are printed ")
                .append("as `postern: ...` on standard error with exit status 1; usage errors exit with 2.\n");
        CommandLine root = new CommandLine(new Main());
        root.setUsageHelpWidth(100);
        append(md, root, "postern");
        return md.toString();
    }

    private static void append(StringBuilder md, CommandLine command, String path) {
        if (!path.endsWith(" help")) {
            md.append("\n## `").append(path).append("`\n\n```\n")
                    .append(command.getUsageMessage(CommandLine.Help.Ansi.OFF).stripTrailing())
                    .append("\n```\n");
        }
        for (var sub : command.getSubcommands().entrySet()) {
            append(md, sub.getValue(), path + " " + sub.getKey());
        }
    }
}
