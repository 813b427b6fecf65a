package org.postern.store.password;

import java.security.MessageDigest;
import java.util.Base64;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2 (RFC 9106) hashes in the PHC string format that libsodium writes and Dovecot stores
 * after {@code {ARGON2ID}} / {@code {ARGON2I}}:
 * {@code $argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>}, salt and hash in standard
 * base64 without padding.
 */
final class Argon2Hash {

    /*
     * What `doveadm pw -s ARGON2ID` writes (Dovecot 2.3 with libsodium): 64 MiB, 3 passes,
     * 1 lane, 16-byte salt, 32-byte hash. Keeping the same cost keeps login latency what a
     * Dovecot admin expects.
     */
    static final int MEMORY_KIB = 65536;
    static final int PASSES = 3;
    static final int LANES = 1;
    static final int SALT_BYTES = 16;
    static final int HASH_BYTES = 32;
    private static final int MAX_MEMORY_KIB = 4 * 1024 * 1024;

    private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
    // The JDK decoder accepts unpadded input as well as padded.
    private static final Base64.Decoder B64_DECODE = Base64.getDecoder();

    private Argon2Hash() {
    }

    static String create(byte[] password, byte[] salt) {
        byte[] hash = derive(Argon2Parameters.ARGON2_id, Argon2Parameters.ARGON2_VERSION_13,
                MEMORY_KIB, PASSES, LANES, salt, password, HASH_BYTES);
        return "$argon2id$v=19$m=" + MEMORY_KIB + ",t=" + PASSES + ",p=" + LANES + "$"
                + B64.encodeToString(salt) + "$" + B64.encodeToString(hash);
    }

    /** Checks a PHC string; throws IllegalArgumentException if it is not one. */
    static boolean verify(String phc, byte[] password) {
        String[] part = phc.split("\\$", -1);
        // "", type, [v=NN], params, salt, hash
        if (part.length != 5 && part.length != 6 || !part[0].isEmpty()) {
            throw new IllegalArgumentException("not an Argon2 PHC string ($argon2id$v=19$m=..,t=..,p=..$salt$hash)");
        }
        int type = switch (part[1]) {
            case "argon2id" -> Argon2Parameters.ARGON2_id;
            case "argon2i" -> Argon2Parameters.ARGON2_i;
            case "argon2d" -> Argon2Parameters.ARGON2_d;
            default -> throw new IllegalArgumentException("unknown Argon2 variant " + part[1]);
        };
        int i = 2;
        // Hashes made before Argon2 1.3 carry no version field; they are version 0x10.
        int version = Argon2Parameters.ARGON2_VERSION_10;
        if (part.length == 6) {
            if (!part[2].startsWith("v=")) {
                throw new IllegalArgumentException("Argon2 hash: expected v=<version>, found " + part[2]);
            }
            version = parseInt(part[2].substring(2), "version");
            if (version != Argon2Parameters.ARGON2_VERSION_10 && version != Argon2Parameters.ARGON2_VERSION_13) {
                throw new IllegalArgumentException("Argon2 hash: unsupported version " + version);
            }
            i = 3;
        }
        int memory = -1;
        int passes = -1;
        int lanes = -1;
        for (String param : part[i].split(",")) {
            int eq = param.indexOf('=');
            String key = eq < 0 ? param : param.substring(0, eq);
            String value = eq < 0 ? "" : param.substring(eq + 1);
            switch (key) {
                case "m" -> memory = parseInt(value, "m");
                case "t" -> passes = parseInt(value, "t");
                case "p" -> lanes = parseInt(value, "p");
                default -> throw new IllegalArgumentException("Argon2 hash: unknown parameter " + key);
            }
        }
        // RFC 9106 section 3.1: at least 8*p KiB of memory, at least one pass and one lane.
        if (passes < 1 || lanes < 1 || lanes > 0xFFFFFF || memory < 8 * lanes) {
            throw new IllegalArgumentException("Argon2 hash: missing or invalid m, t or p");
        }
        // A stored hash asking for more than 4 GiB would make every login exhaust the heap.
        if (memory > MAX_MEMORY_KIB) {
            throw new IllegalArgumentException("Argon2 hash: m=" + memory + " KiB is more than the 4 GiB we allow");
        }
        byte[] salt;
        byte[] expected;
        try {
            salt = B64_DECODE.decode(part[i + 1]);
            expected = B64_DECODE.decode(part[i + 2]);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Argon2 hash: salt or hash is not base64");
        }
        if (salt.length < 8 || expected.length < 4) {
            throw new IllegalArgumentException("Argon2 hash: salt or hash too short");
        }
        byte[] actual = derive(type, version, memory, passes, lanes, salt, password, expected.length);
        return MessageDigest.isEqual(actual, expected);
    }

    private static byte[] derive(int type, int version, int memoryKib, int passes, int lanes,
            byte[] salt, byte[] password, int length) {
        Argon2Parameters params = new Argon2Parameters.Builder(type)
                .withVersion(version)
                .withMemoryAsKB(memoryKib)
                .withIterations(passes)
                .withParallelism(lanes)
                .withSalt(salt)
                .build();
        Argon2BytesGenerator generator = new Argon2BytesGenerator();
        generator.init(params);
        byte[] out = new byte[length];
        generator.generateBytes(password, out);
        return out;
    }

    private static int parseInt(String s, String what) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Argon2 hash: " + what + " is not a number: " + s);
        }
    }
}
