package org.postern.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * packaging/install.sh puts Postern under /opt/postern with its configuration in /etc/postern
 * (here staged with DESTDIR), and the installed bin/postern runs from there unchanged: no
 * Maven, no source tree, only lib/*.jar. The build output is made from this test run's
 * classes and class path, as {@code mvn package} would lay it out.
 */
class InstallLayoutTest {

    @TempDir
    Path dir;

    @Test
    void installedLauncherRunsFromOptWithConfigInEtc() throws Exception {
        Path source = dir.resolve("src");
        Path repo = Path.of("").toAbsolutePath();
        Files.createDirectories(source.resolve("bin"));
        Files.createDirectories(source.resolve("packaging"));
        Files.createDirectories(source.resolve("docs"));
        Files.createDirectories(source.resolve("target/lib"));
        Files.copy(repo.resolve("bin/postern"), source.resolve("bin/postern"));
        Files.copy(repo.resolve("packaging/install.sh"), source.resolve("packaging/install.sh"));
        Files.copy(repo.resolve("packaging/postern.service"), source.resolve("packaging/postern.service"));
        Files.copy(repo.resolve("docs/operations.md"), source.resolve("docs/operations.md"));
        jar(repo.resolve("target/classes"), source.resolve("target/postern.jar"));
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry);
            if (entry.endsWith(".jar") && Files.isRegularFile(p)) {
                Files.copy(p, source.resolve("target/lib").resolve(p.getFileName()));
            }
        }

        Path root = dir.resolve("root");
        Run install = run(List.of("bash", source.resolve("packaging/install.sh").toString()), root);
        assertThat(install.exit()).as(install.output()).isZero();
        Path opt = root.resolve("opt/postern");
        assertThat(opt.resolve("bin/postern")).isExecutable();
        assertThat(opt.resolve("lib/postern.jar")).isRegularFile();
        assertThat(root.resolve("etc/systemd/system/postern.service")).hasSameTextualContentAs(
                repo.resolve("packaging/postern.service"));
        Path mainCf = root.resolve("etc/postern/main.cf");
        assertThat(Files.readString(mainCf)).contains("data_directory = /var/lib/postern");

        // The unit's commands, with the staged root's directories in place of / (not root here).
        Files.writeString(mainCf, Files.readString(mainCf).replace("/var/lib/postern",
                root.resolve("var/lib/postern").toString()));
        Run check = run(List.of(opt.resolve("bin/postern").toString(), "-c", root.resolve("etc/postern").toString(),
                "config", "check"), null);
        assertThat(check.exit()).as(check.output()).isZero();
        assertThat(check.output()).contains("is valid: 3 listeners");
        Run reload = run(List.of(opt.resolve("bin/postern").toString(), "-c", root.resolve("etc/postern").toString(),
                "reload"), null);
        assertThat(reload.exit()).isEqualTo(1);
        assertThat(reload.output()).contains("no running Postern answers at " + root.resolve("var/lib/postern/queue"));
        // Installing again keeps the admin's main.cf.
        Run again = run(List.of("bash", source.resolve("packaging/install.sh").toString()), root);
        assertThat(again.exit()).as(again.output()).isZero();
        assertThat(Files.readString(mainCf)).contains(root.resolve("var/lib/postern").toString());
    }

    @Test
    void unitRunsAsItsOwnUserWithOnlyTheBindCapabilityAndHardening() throws Exception {
        String unit = Files.readString(Path.of("packaging/postern.service"));
        assertThat(unit).contains("User=postern", "AmbientCapabilities=CAP_NET_BIND_SERVICE",
                "CapabilityBoundingSet=CAP_NET_BIND_SERVICE", "NoNewPrivileges=yes", "ProtectSystem=strict",
                "ReadWritePaths=/var/lib/postern", "PrivateTmp=yes", "ProtectHome=yes",
                "ExecStart=/opt/postern/bin/postern -c /etc/postern serve",
                "ExecReload=/opt/postern/bin/postern -c /etc/postern reload");
    }

    /**
     * systemd's own checker accepts the unit without a single warning (an unknown or misspelt
     * key is only a warning to systemd, and would silently drop a hardening option), and its
     * offline security review rates the unit's exposure as OK (at most 2.0 of 10). The unit's
     * program paths point into a staged copy here, since nothing is installed in /opt.
     */
    @Test
    void systemdAcceptsTheUnitAndRatesItsExposureLow() throws Exception {
        Path bin = dir.resolve("opt/postern/bin/postern");
        Files.createDirectories(bin.getParent());
        Files.copy(Path.of("bin/postern"), bin);
        Path unit = dir.resolve("postern.service");
        Files.writeString(unit, Files.readString(Path.of("packaging/postern.service"))
                .replace("/opt/postern", dir.resolve("opt/postern").toString()));

        Run verify = run(List.of("systemd-analyze", "verify", unit.toString()), null);
        assertThat(verify.exit()).as(verify.output()).isZero();
        assertThat(verify.output()).as("systemd-analyze verify warnings").isEmpty();

        Run security = run(List.of("systemd-analyze", "security", "--offline=true", unit.toString()), null);
        assertThat(security.exit()).as(security.output()).isZero();
        java.util.regex.Matcher exposure = java.util.regex.Pattern
                .compile("Overall exposure level for postern.service: ([0-9.]+)").matcher(security.output());
        assertThat(exposure.find()).as(security.output()).isTrue();
        assertThat(Double.parseDouble(exposure.group(1))).as(security.output()).isLessThanOrEqualTo(2.0);
    }

    record Run(int exit, String output) {
    }

    private static Run run(List<String> command, Path destdir) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        if (destdir != null) {
            pb.environment().put("DESTDIR", destdir.toString());
        }
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    private static void jar(Path classes, Path jar) throws IOException {
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file);
             Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(f).toString().replace(File.separatorChar, '/')));
                Files.copy(f, out);
                out.closeEntry();
            }
        }
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
    }
}
