package org.postern.store.password;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.commons.codec.digest.Md5Crypt;
import org.apache.commons.codec.digest.Sha2Crypt;
import org.apache.commons.codec.digest.UnixCrypt;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * Password hashes in Dovecot's format ({@code {SCHEME}hash}), so that a user table exported
 * from a Dovecot setup works unchanged and hashes we write work in Dovecot.
 *
 * <p>Writable: {@code ARGON2ID} (the default), {@code BLF-CRYPT}, {@code SHA512-CRYPT},
 * {@code SHA256-CRYPT}, {@code SSHA512}, {@code SSHA256}, {@code SSHA}, {@code SHA512},
 * {@code SHA256}. Read only: {@code ARGON2I}, {@code CRYPT}/{@code DES-CRYPT},
 * {@code MD5-CRYPT}/{@code MD5}, {@code SHA}/{@code SHA1}, {@code SMD5}, {@code LDAP-MD5},
 * {@code PLAIN-MD5}, {@code PLAIN}/{@code CLEARTEXT}/{@code CLEAR}. The digest and plain
 * schemes take Dovecot's encoding suffix: {@code {SHA512.HEX}}, {@code {PLAIN.B64}}.
 * A stored value without a prefix is read if it is a self-describing crypt string
 * ({@code $argon2id$}, {@code $2y$}, {@code $6$}, {@code $5$}, {@code $1$}).
 *
 * <p>Comparisons are constant-time ({@link MessageDigest#isEqual}). Nothing here logs, and no
 * message contains a password or a hash.
 */
public final class PasswordSchemes {

    /** The scheme for new passwords. */
    public static final String DEFAULT_SCHEME = "ARGON2ID";

    /*
     * bcrypt cost for new hashes. `doveadm pw -s BLF-CRYPT` writes cost 5, the lowest
     * crypt_blowfish accepts; that is too cheap today, so we write 10 (OpenBSD's default for
     * users). Dovecot reads any cost.
     */
    static final int BCRYPT_COST = 10;
    /* Dovecot writes 16-character SHA-crypt salts and glibc's default 5000 rounds. */
    private static final int SHA_CRYPT_SALT_CHARS = 16;
    /* Dovecot reads any salt length after the digest; 16 random bytes is plenty. */
    private static final int DIGEST_SALT_BYTES = 16;
    private static final String CRYPT_ALPHABET =
            "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private static final SecureRandom RANDOM = new SecureRandom();

    private enum Family { ARGON2, BCRYPT, SHA_CRYPT, CRYPT, DIGEST, PLAIN }

    private enum Encoding { BASE64, HEX, RAW }

    /**
     * One scheme name. {@code algorithm} is the JCA digest for DIGEST schemes and the crypt
     * prefix for the crypt ones; {@code strong} says whether a stored hash of this scheme is
     * still acceptable (see {@link #needsRehash}).
     */
    private record Scheme(String name, Family family, String algorithm, boolean salted,
            Encoding encoding, boolean writable, boolean strong) {
    }

    private static final Map<String, Scheme> SCHEMES = new LinkedHashMap<>();

    static {
        add(new Scheme("ARGON2ID", Family.ARGON2, "$argon2id$", false, Encoding.RAW, true, true));
        add(new Scheme("BLF-CRYPT", Family.BCRYPT, "$2y$", false, Encoding.RAW, true, true));
        add(new Scheme("SHA512-CRYPT", Family.SHA_CRYPT, "$6$", false, Encoding.RAW, true, true));
        add(new Scheme("SHA256-CRYPT", Family.SHA_CRYPT, "$5$", false, Encoding.RAW, true, true));
        add(new Scheme("SSHA512", Family.DIGEST, "SHA-512", true, Encoding.BASE64, true, false));
        add(new Scheme("SSHA256", Family.DIGEST, "SHA-256", true, Encoding.BASE64, true, false));
        add(new Scheme("SSHA", Family.DIGEST, "SHA-1", true, Encoding.BASE64, true, false));
        add(new Scheme("SHA512", Family.DIGEST, "SHA-512", false, Encoding.BASE64, true, false));
        add(new Scheme("SHA256", Family.DIGEST, "SHA-256", false, Encoding.BASE64, true, false));
        add(new Scheme("ARGON2I", Family.ARGON2, "$argon2i$", false, Encoding.RAW, false, true));
        add(new Scheme("CRYPT", Family.CRYPT, "", false, Encoding.RAW, false, false));
        add(new Scheme("DES-CRYPT", Family.CRYPT, "", false, Encoding.RAW, false, false));
        // Dovecot's "MD5" is MD5-crypt, not a bare MD5 digest (that is PLAIN-MD5).
        add(new Scheme("MD5-CRYPT", Family.CRYPT, "$1$", false, Encoding.RAW, false, false));
        add(new Scheme("MD5", Family.CRYPT, "$1$", false, Encoding.RAW, false, false));
        add(new Scheme("SHA", Family.DIGEST, "SHA-1", false, Encoding.BASE64, false, false));
        add(new Scheme("SHA1", Family.DIGEST, "SHA-1", false, Encoding.BASE64, false, false));
        add(new Scheme("SMD5", Family.DIGEST, "MD5", true, Encoding.BASE64, false, false));
        add(new Scheme("LDAP-MD5", Family.DIGEST, "MD5", false, Encoding.BASE64, false, false));
        add(new Scheme("PLAIN-MD5", Family.DIGEST, "MD5", false, Encoding.HEX, false, false));
        add(new Scheme("PLAIN", Family.PLAIN, "", false, Encoding.RAW, false, false));
        add(new Scheme("CLEARTEXT", Family.PLAIN, "", false, Encoding.RAW, false, false));
        add(new Scheme("CLEAR", Family.PLAIN, "", false, Encoding.RAW, false, false));
    }

    private static void add(Scheme scheme) {
        SCHEMES.put(scheme.name(), scheme);
    }

    private PasswordSchemes() {
    }

    /** Every scheme name we can verify. */
    public static List<String> supported() {
        return List.copyOf(SCHEMES.keySet());
    }

    /** The scheme names {@link #hash} accepts. */
    public static List<String> writable() {
        return SCHEMES.values().stream().filter(Scheme::writable).map(Scheme::name).toList();
    }

    /** Hashes a new password with {@link #DEFAULT_SCHEME}. */
    public static String hash(char[] password) {
        return hash(DEFAULT_SCHEME, password);
    }

    /**
     * Hashes a password with a fresh random salt.
     *
     * @param scheme a writable scheme name, any case, with or without braces, optionally with
     *     an encoding suffix for digest schemes ({@code SSHA512.hex})
     * @return the hash with its {@code {SCHEME}} prefix
     * @throws IllegalArgumentException if the scheme is unknown or read-only; the message
     *     lists the writable schemes
     */
    public static String hash(String scheme, char[] password) {
        String spec = scheme.strip();
        if (spec.startsWith("{") && spec.endsWith("}")) {
            spec = spec.substring(1, spec.length() - 1);
        }
        Named named = parseName(spec.toUpperCase(Locale.ROOT));
        Scheme s = named == null ? null : SCHEMES.get(named.name());
        if (s == null || !s.writable()) {
            throw new IllegalArgumentException((s == null ? "unknown password scheme " : "password scheme ")
                    + scheme + (s == null ? "" : " can be read but not written")
                    + "; new passwords can use " + String.join(", ", writable()));
        }
        byte[] pw = utf8(password);
        try {
            String body = switch (s.family()) {
                case ARGON2 -> Argon2Hash.create(pw, randomBytes(Argon2Hash.SALT_BYTES));
                case BCRYPT -> OpenBSDBCrypt.generate("2y", password, randomBytes(16), BCRYPT_COST);
                case SHA_CRYPT -> s.algorithm().equals("$6$")
                        ? Sha2Crypt.sha512Crypt(pw, "$6$" + cryptSalt())
                        : Sha2Crypt.sha256Crypt(pw, "$5$" + cryptSalt());
                case DIGEST -> {
                    byte[] salt = s.salted() ? randomBytes(DIGEST_SALT_BYTES) : new byte[0];
                    byte[] digest = digest(s.algorithm(), pw, salt);
                    byte[] stored = Arrays.copyOf(digest, digest.length + salt.length);
                    System.arraycopy(salt, 0, stored, digest.length, salt.length);
                    yield encode(stored, named.encoding() != null ? named.encoding() : s.encoding());
                }
                case CRYPT, PLAIN -> throw new IllegalStateException("read-only family " + s.family());
            };
            String prefix = s.name() + (named.encoding() == null ? "" : "." + named.suffix());
            return "{" + prefix + "}" + body;
        } finally {
            Arrays.fill(pw, (byte) 0);
        }
    }

    /**
     * Checks a password against a stored hash. Never throws for a bad stored value: it fails
     * with a warning saying what is wrong with it, for the log.
     */
    public static Verification verify(String stored, char[] password) {
        if (stored == null || stored.isEmpty()) {
            return Verification.unreadable("no password hash is stored");
        }
        Parsed parsed = parse(stored);
        if (parsed.problem() != null) {
            return Verification.unreadable(parsed.problem());
        }
        byte[] pw = utf8(password);
        try {
            boolean ok = check(parsed, pw, password);
            String warning = null;
            if (ok && parsed.scheme().family() == Family.PLAIN) {
                warning = "the password is stored in plain text ({" + parsed.scheme().name()
                        + "}); set it again to store it as {" + DEFAULT_SCHEME + "}";
            } else if (ok && !isStrong(parsed)) {
                warning = "the password is stored with the weak scheme {" + parsed.scheme().name()
                        + "}; set it again to store it as {" + DEFAULT_SCHEME + "}";
            }
            return new Verification(ok, warning);
        } catch (RuntimeException e) {
            // The libraries signal a malformed hash with IllegalArgumentException or, in
            // BouncyCastle, DataLengthException; either way the login fails and the log says why.
            return Verification.unreadable("stored {" + parsed.scheme().name() + "} hash is malformed: " + e.getMessage());
        } finally {
            Arrays.fill(pw, (byte) 0);
        }
    }

    /**
     * True if a stored hash should be replaced by a new one: it is plain text, a fast digest
     * (SHA*, SSHA*, MD5), MD5-crypt or DES crypt, or cannot be read at all. Argon2, bcrypt and
     * SHA-crypt are kept.
     */
    public static boolean needsRehash(String stored) {
        if (stored == null || stored.isEmpty()) {
            return true;
        }
        Parsed parsed = parse(stored);
        return parsed.problem() != null || !isStrong(parsed);
    }

    /** The scheme name of a stored hash ({@code SHA512-CRYPT}), if it can be read. */
    public static Optional<String> schemeOf(String stored) {
        if (stored == null || stored.isEmpty()) {
            return Optional.empty();
        }
        Parsed parsed = parse(stored);
        return parsed.problem() != null ? Optional.empty() : Optional.of(parsed.scheme().name());
    }

    // ---- parsing ----

    /** A scheme name with its optional encoding suffix. */
    private record Named(String name, Encoding encoding, String suffix) {
    }

    /** A stored value split into scheme and payload, or the reason it cannot be read. */
    private record Parsed(Scheme scheme, Encoding encoding, String payload, String problem) {
        static Parsed problem(String why) {
            return new Parsed(null, null, null, why);
        }
    }

    private static Named parseName(String upper) {
        int dot = upper.lastIndexOf('.');
        if (dot < 0) {
            return new Named(upper, null, null);
        }
        String suffix = upper.substring(dot + 1);
        Encoding encoding = switch (suffix) {
            case "B64", "BASE64" -> Encoding.BASE64;
            case "HEX" -> Encoding.HEX;
            default -> null;
        };
        if (encoding == null) {
            return null;
        }
        Scheme s = SCHEMES.get(upper.substring(0, dot));
        // Encodings apply to the digest and plain schemes only; crypt strings are text already.
        if (s == null || s.family() != Family.DIGEST && s.family() != Family.PLAIN) {
            return null;
        }
        return new Named(s.name(), encoding, suffix.equals("BASE64") ? "B64" : suffix);
    }

    private static Parsed parse(String stored) {
        if (stored.startsWith("{")) {
            int close = stored.indexOf('}');
            if (close < 0) {
                return Parsed.problem("stored hash starts with '{' but has no closing '}'");
            }
            String name = stored.substring(1, close).toUpperCase(Locale.ROOT);
            Named named = parseName(name);
            Scheme s = named == null ? null : SCHEMES.get(named.name());
            if (s == null) {
                return Parsed.problem("stored hash uses the unknown scheme {" + name + "}; supported: "
                        + String.join(", ", SCHEMES.keySet()));
            }
            Encoding encoding = named.encoding() != null ? named.encoding() : s.encoding();
            return new Parsed(s, encoding, stored.substring(close + 1), null);
        }
        // No prefix: only self-describing crypt strings can be recognised safely.
        for (Scheme s : List.of(SCHEMES.get("ARGON2ID"), SCHEMES.get("ARGON2I"), SCHEMES.get("SHA512-CRYPT"),
                SCHEMES.get("SHA256-CRYPT"), SCHEMES.get("MD5-CRYPT"))) {
            if (stored.startsWith(s.algorithm())) {
                return new Parsed(s, Encoding.RAW, stored, null);
            }
        }
        if (stored.startsWith("$2a$") || stored.startsWith("$2b$") || stored.startsWith("$2y$")) {
            return new Parsed(SCHEMES.get("BLF-CRYPT"), Encoding.RAW, stored, null);
        }
        return Parsed.problem("stored hash has no {SCHEME} prefix and is not a recognised crypt string "
                + "($argon2id$, $2y$, $6$, $5$, $1$)");
    }

    private static boolean isStrong(Parsed parsed) {
        if (parsed.scheme().family() == Family.CRYPT) {
            String p = parsed.payload();
            return p.startsWith("$argon2") || p.startsWith("$2") || p.startsWith("$6$") || p.startsWith("$5$");
        }
        return parsed.scheme().strong();
    }

    // ---- checking ----

    private static boolean check(Parsed parsed, byte[] pw, char[] password) {
        Scheme s = parsed.scheme();
        String payload = parsed.payload();
        return switch (s.family()) {
            case ARGON2 -> {
                if (!payload.startsWith(s.algorithm())) {
                    throw new IllegalArgumentException("expected a " + s.algorithm() + " string");
                }
                yield Argon2Hash.verify(payload, pw);
            }
            case BCRYPT, SHA_CRYPT, CRYPT -> checkCrypt(payload, pw, password);
            case DIGEST -> checkDigest(s, parsed.encoding(), payload, pw);
            case PLAIN -> MessageDigest.isEqual(decode(payload, parsed.encoding()), pw);
        };
    }

    /** Any crypt(3) string, told apart by its prefix, as Dovecot's {CRYPT} does. */
    private static boolean checkCrypt(String stored, byte[] pw, char[] password) {
        if (stored.startsWith("$argon2")) {
            return Argon2Hash.verify(stored, pw);
        }
        if (stored.startsWith("$2a$") || stored.startsWith("$2b$") || stored.startsWith("$2y$")) {
            return OpenBSDBCrypt.checkPassword(stored, password);
        }
        String computed;
        if (stored.startsWith("$6$")) {
            computed = Sha2Crypt.sha512Crypt(pw, stored);
        } else if (stored.startsWith("$5$")) {
            computed = Sha2Crypt.sha256Crypt(pw, stored);
        } else if (stored.startsWith("$1$")) {
            computed = Md5Crypt.md5Crypt(pw, stored);
        } else if (stored.matches("[./0-9A-Za-z]{13}")) {
            // Traditional DES crypt: 2 salt characters and 11 of hash.
            computed = UnixCrypt.crypt(pw, stored.substring(0, 2));
        } else {
            throw new IllegalArgumentException("not a crypt string this server knows ($argon2id$, $2y$, $6$, $5$, $1$ or DES)");
        }
        return MessageDigest.isEqual(computed.getBytes(StandardCharsets.US_ASCII),
                stored.getBytes(StandardCharsets.US_ASCII));
    }

    private static boolean checkDigest(Scheme s, Encoding encoding, String payload, byte[] pw) {
        int length = digestLength(s.algorithm());
        byte[] stored;
        // Like Dovecot, read a hex digest even where base64 is the default, if the length says so.
        if (!s.salted() && encoding == Encoding.BASE64 && payload.length() == 2 * length
                && payload.matches("[0-9a-fA-F]+")) {
            stored = decode(payload, Encoding.HEX);
        } else {
            stored = decode(payload, encoding);
        }
        if (s.salted() ? stored.length <= length : stored.length != length) {
            throw new IllegalArgumentException("decoded length " + stored.length + " does not fit a "
                    + s.algorithm() + (s.salted() ? " digest plus salt" : " digest"));
        }
        byte[] salt = Arrays.copyOfRange(stored, length, stored.length);
        return MessageDigest.isEqual(digest(s.algorithm(), pw, salt), Arrays.copyOf(stored, length));
    }

    // ---- helpers ----

    private static byte[] digest(String algorithm, byte[] pw, byte[] salt) {
        MessageDigest md = messageDigest(algorithm);
        md.update(pw);
        md.update(salt);
        return md.digest();
    }

    private static int digestLength(String algorithm) {
        return messageDigest(algorithm).getDigestLength();
    }

    private static MessageDigest messageDigest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + algorithm, e);
        }
    }

    private static String encode(byte[] bytes, Encoding encoding) {
        return switch (encoding) {
            case BASE64 -> Base64.getEncoder().encodeToString(bytes);
            case HEX -> HexFormat.of().formatHex(bytes);
            case RAW -> new String(bytes, StandardCharsets.UTF_8);
        };
    }

    private static byte[] decode(String text, Encoding encoding) {
        return switch (encoding) {
            case BASE64 -> Base64.getDecoder().decode(text.strip());
            case HEX -> {
                if (text.length() % 2 != 0) {
                    throw new IllegalArgumentException("odd number of hex digits");
                }
                yield HexFormat.of().parseHex(text);
            }
            case RAW -> text.getBytes(StandardCharsets.UTF_8);
        };
    }

    private static byte[] utf8(char[] password) {
        ByteBuffer buffer = StandardCharsets.UTF_8.encode(CharBuffer.wrap(password));
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        if (buffer.hasArray()) {
            Arrays.fill(buffer.array(), (byte) 0);
        }
        return bytes;
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static String cryptSalt() {
        StringBuilder salt = new StringBuilder(SHA_CRYPT_SALT_CHARS);
        for (int i = 0; i < SHA_CRYPT_SALT_CHARS; i++) {
            salt.append(CRYPT_ALPHABET.charAt(RANDOM.nextInt(CRYPT_ALPHABET.length())));
        }
        return salt.toString();
    }
}
