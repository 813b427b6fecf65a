package org.postern.cli;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.postern.dkim.DkimAlgorithm;
import org.postern.dkim.DkimKeys;
import org.postern.dkim.DkimSigner;
import org.postern.dkim.DkimVerification;
import org.postern.dkim.DkimVerifier;
import org.postern.dkim.MessageReader;
import org.postern.dkim.SignatureResult;
import org.postern.dns.DnsResolver;
import org.postern.store.DkimKey;
import org.postern.store.DkimKeyStore;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code postern dkim keygen|list|activate|retire|verify|sign}: DKIM keys, signing and checking. */
@Command(name = "dkim", description = "DKIM keys (generate, list, activate, retire), signing and verification.",
        subcommands = {DkimCommand.Keygen.class, DkimCommand.ListKeys.class, DkimCommand.Activate.class,
            DkimCommand.Retire.class, DkimCommand.Verify.class, DkimCommand.Sign.class})
final class DkimCommand {

    private DkimCommand() {
    }

    static Map<String, Object> keyJson(DkimKey k) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("domain", k.domain());
        m.put("selector", k.selector());
        m.put("algorithm", k.algorithm());
        m.put("state", k.state());
        m.put("created", k.created().toString());
        m.put("dns_name", k.selector() + "._domainkey." + k.domain());
        m.put("dns_txt", record(k));
        return m;
    }

    static String record(DkimKey k) {
        return DkimKeys.txtRecord(DkimAlgorithm.fromTag(k.algorithm()), k.publicKey());
    }

    @Command(name = "keygen", description = {
        "Generate a DKIM key for a hosted domain, store it (state pending) and print the DNS TXT record to publish.",
        "Once the record is in DNS, make the key active with `postern dkim activate DOMAIN SELECTOR`."})
    static final class Keygen extends AccountCommand {
        @Parameters(paramLabel = "DOMAIN")
        String domain;

        @Option(names = "--selector", paramLabel = "S",
                description = "Selector (default: rsa-YYYYMMDD or ed25519-YYYYMMDD).")
        String selector;

        @Option(names = "--algorithm", paramLabel = "ALG", defaultValue = "rsa",
                description = "rsa (rsa-sha256, the default) or ed25519 (ed25519-sha256, RFC 8463).")
        String algorithm;

        @Option(names = "--bits", paramLabel = "N", defaultValue = "2048",
                description = "RSA key size in bits, 1024 to 16384 (default 2048; RFC 8301 wants at least 2048 for signing).")
        int bits;

        @Option(names = "--activate", description = "Make the key active at once (sign with it before the record is published).")
        boolean activate;

        @Override
        protected int run(Context context) throws Exception {
            DkimAlgorithm alg = switch (algorithm.toLowerCase(Locale.ROOT)) {
                case "rsa", "rsa-sha256" -> DkimAlgorithm.RSA_SHA256;
                case "ed25519", "ed25519-sha256" -> DkimAlgorithm.ED25519_SHA256;
                default -> throw new CliException("unknown --algorithm '" + algorithm + "': use rsa or ed25519", 2);
            };
            if (alg == DkimAlgorithm.RSA_SHA256 && (bits < 1024 || bits > 16384)) {
                throw new CliException("--bits must be between 1024 and 16384, not " + bits, 2);
            }
            String sel = selector != null ? selector
                    : alg.keyType() + "-" + LocalDate.now(ZoneOffset.UTC).format(DateTimeFormatter.BASIC_ISO_DATE);
            KeyPair pair = DkimKeys.generate(alg, bits);
            DkimKeyStore store = new DkimKeyStore(context.database());
            DkimKey key = store.add(domain, sel, alg.tag(), DkimKeys.privateKeyPem(pair.getPrivate()),
                    DkimKeys.publicKeyValue(pair.getPublic()));
            if (activate) {
                key = store.setState(key.domain(), key.selector(), DkimKey.ACTIVE);
            }
            String txt = record(key);
            if (json) {
                Map<String, Object> m = keyJson(key);
                m.put("action", "generated");
                m.put("dns_strings", DkimKeys.txtStrings(txt));
                out().println(Json.write(m));
                return 0;
            }
            String size = alg == DkimAlgorithm.RSA_SHA256
                    ? ((RSAPublicKey) pair.getPublic()).getModulus().bitLength() + "-bit " : "";
            out().println("generated " + size + alg.tag() + " key " + key.selector() + " for " + key.domain()
                    + " (state " + key.state() + ")");
            out().println("publish this DNS record:");
            out().println();
            out().println(DkimKeys.zoneFileRecord(key.selector(), key.domain(), txt));
            out().println();
            if (!key.active()) {
                out().println("then: postern dkim activate " + key.domain() + " " + key.selector());
            }
            return 0;
        }
    }

    @Command(name = "list", description = "List DKIM keys with their state.")
    static final class ListKeys extends AccountCommand {
        @Parameters(paramLabel = "DOMAIN", arity = "0..1", description = "Only this domain's keys.")
        String domain;

        @Override
        protected int run(Context context) throws Exception {
            DkimKeyStore store = new DkimKeyStore(context.database());
            List<DkimKey> keys = domain == null ? store.list() : store.list(domain);
            if (json) {
                out().println(Json.write(keys.stream().map(DkimCommand::keyJson).toList()));
                return 0;
            }
            Table table = new Table("DOMAIN", "SELECTOR", "ALGORITHM", "STATE", "CREATED");
            for (DkimKey k : keys) {
                table.row(k.domain(), k.selector(), k.algorithm(), k.state(), k.created());
            }
            table.print(out());
            return 0;
        }
    }

    abstract static class StateChange extends AccountCommand {
        @Parameters(index = "0", paramLabel = "DOMAIN")
        String domain;

        @Parameters(index = "1", paramLabel = "SELECTOR")
        String selector;

        int change(Context context, String state, String verb) throws Exception {
            DkimKey k = new DkimKeyStore(context.database()).setState(domain, selector, state);
            return done(verb + " DKIM key " + k.selector() + " of " + k.domain(), verb,
                    "domain", k.domain(), "selector", k.selector(), "state", k.state());
        }
    }

    @Command(name = "activate", description = "Sign outgoing mail of DOMAIN with this key (publish its DNS record first).")
    static final class Activate extends StateChange {
        @Override
        protected int run(Context context) throws Exception {
            return change(context, DkimKey.ACTIVE, "activated");
        }
    }

    @Command(name = "retire", description = "Stop signing with this key (keep its DNS record a few days for mail in transit).")
    static final class Retire extends StateChange {
        @Override
        protected int run(Context context) throws Exception {
            return change(context, DkimKey.RETIRED, "retired");
        }
    }

    /** Opens a message file, or standard input for "-", with bare LF turned into CRLF. */
    static InputStream open(String file) throws IOException {
        InputStream raw = file.equals("-") ? System.in : Files.newInputStream(Path.of(file));
        return new BufferedInputStream(MessageReader.crlf(new BufferedInputStream(raw, 65536)), 65536);
    }

    @Command(name = "verify", description = {
        "Verify every DKIM-Signature of a message: one line per signature, then the overall result",
        "(pass, fail, permerror, temperror, neutral, policy or none) alone on the last line.",
        "Exit status 0 for pass, 1 otherwise. Uses no database; the configuration only with -c (for dns_servers)."})
    static final class Verify implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "The message (RFC 5322; bare LF accepted), or - for standard input.")
        String file;

        @Option(names = "--dns-server", paramLabel = "HOST:PORT",
                description = "DNS server to ask for keys (repeatable; default: dns_servers with -c, else the system's).")
        List<String> dnsServers = new ArrayList<>();

        @Option(names = "--now", paramLabel = "EPOCH", description = "Verify as of this time (seconds since 1970) for t= and x=.")
        Long now;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "5", description = "DNS timeout (default 5).")
        int timeout;

        @Override
        public Integer call() throws Exception {
            List<String> servers = dnsServers;
            Main root = (Main) spec.root().userObject();
            if (servers.isEmpty() && root.configDir != null) {
                try (Context context = new Context(root.configDir)) {
                    servers = context.parameters().list("dns_servers");
                }
            }
            DnsResolver dns;
            try {
                dns = DnsResolver.create(servers, Duration.ofSeconds(timeout));
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage(), 2);
            }
            InstantSource clock = now == null ? InstantSource.system() : InstantSource.fixed(Instant.ofEpochSecond(now));
            DkimVerification v;
            try (InputStream in = open(file)) {
                v = new DkimVerifier(dns::txt, clock).verify(in);
            } catch (IOException e) {
                throw new CliException("cannot read " + file + ": " + e.getMessage());
            }
            java.io.PrintWriter out = spec.commandLine().getOut();
            int i = 0;
            for (SignatureResult s : v.signatures()) {
                out.println("signature " + ++i + ": " + s.describe());
            }
            out.println(v.result().word());
            return v.result() == org.postern.dkim.DkimResult.PASS ? 0 : 1;
        }
    }

    @Command(name = "sign", description = {
        "Sign a message and write it, with its DKIM-Signature field(s) on top, to standard output (or --output).",
        "Without --key the key comes from the store: the one of --selector, or every active key of the domain."})
    static final class Sign implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "The message, or - for standard input.")
        String file;

        @Option(names = "--domain", paramLabel = "D", required = true, description = "Signing domain (d=).")
        String domain;

        @Option(names = "--selector", paramLabel = "S", description = "Selector (s=); required with --key.")
        String selector;

        @Option(names = "--key", paramLabel = "FILE", description = "PEM private key (PKCS#8 or PKCS#1) instead of the store.")
        Path keyFile;

        @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the signed message here.")
        Path output;

        @Option(names = "--now", paramLabel = "EPOCH", description = "Signing time for t= (default: now).")
        Long now;

        @Override
        public Integer call() throws Exception {
            List<DkimSigner.SigningKey> keys = new ArrayList<>();
            try {
                if (keyFile != null) {
                    if (selector == null) {
                        throw new CliException("--key needs --selector", 2);
                    }
                    PrivateKey key = DkimKeys.readPrivateKey(Files.readString(keyFile, StandardCharsets.US_ASCII));
                    keys.add(new DkimSigner.SigningKey(domain, selector, key));
                } else {
                    Main root = (Main) spec.root().userObject();
                    try (Context context = new Context(root.configDir)) {
                        DkimKeyStore store = new DkimKeyStore(context.database());
                        List<DkimKey> stored = selector != null
                                ? store.get(domain, selector).map(List::of).orElseThrow(() -> new CliException(
                                        "domain " + domain + " has no DKIM key with selector " + selector + "; see `postern dkim list`"))
                                : store.active(domain);
                        if (stored.isEmpty()) {
                            throw new CliException("domain " + domain + " has no active DKIM key; create one with "
                                    + "`postern dkim keygen " + domain + "` or name one with --selector");
                        }
                        for (DkimKey k : stored) {
                            keys.add(new DkimSigner.SigningKey(k.domain(), k.selector(), DkimKeys.readPrivateKey(k.privateKeyPem())));
                        }
                    }
                }
            } catch (GeneralSecurityException e) {
                throw new CliException("cannot read the private key: " + e.getMessage());
            } catch (IllegalArgumentException e) {
                throw new CliException(e.getMessage(), 2);
            }
            byte[] message;
            try (InputStream in = file.equals("-") ? System.in : Files.newInputStream(Path.of(file))) {
                message = in.readAllBytes();
            }
            Instant t = now == null ? Instant.now() : Instant.ofEpochSecond(now);
            List<String> fields = new DkimSigner(keys).sign(
                    MessageReader.crlf(new java.io.ByteArrayInputStream(message)), t);
            // Keep the file's own line endings: a message with bare LF gets LF-terminated fields.
            boolean crlf = lineEndingIsCrlf(message);
            spec.commandLine().getOut().flush();
            OutputStream os = output != null ? Files.newOutputStream(output) : new PrintStream(System.out, false);
            try {
                for (String f : fields) {
                    os.write((crlf ? f : f.replace("\r\n", "\n")).getBytes(StandardCharsets.ISO_8859_1));
                }
                os.write(message);
                os.flush();
            } finally {
                if (output != null) {
                    os.close();
                }
            }
            return 0;
        }

        private static boolean lineEndingIsCrlf(byte[] m) {
            for (int i = 0; i < m.length; i++) {
                if (m[i] == '\n') {
                    return i > 0 && m[i - 1] == '\r';
                }
            }
            return true;
        }
    }
}
