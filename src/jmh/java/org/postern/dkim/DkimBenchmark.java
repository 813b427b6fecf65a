package org.postern.dkim;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.postern.dns.DnsResult;
import org.postern.dns.DnsStatus;

/**
 * DKIM signing and verification of a message (RFC 6376, RFC 8463) with RSA-2048 and Ed25519
 * keys, for a small (2 KB) and a larger (100 KB) body. The key record comes from an in-memory
 * resolver, so the numbers are crypto, canonicalisation and hashing only.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DkimBenchmark {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    @Param({"RSA_SHA256", "ED25519_SHA256"})
    public String algorithm;

    @Param({"2048", "102400"})
    public int size;

    private DkimSigner signer;
    private DkimVerifier verifier;
    private byte[] message;
    private byte[] signed;

    @Setup
    public void setUp() throws IOException {
        DkimAlgorithm alg = DkimAlgorithm.valueOf(algorithm);
        KeyPair pair = DkimKeys.generate(alg, DkimKeys.DEFAULT_RSA_BITS);
        signer = new DkimSigner(List.of(new DkimSigner.SigningKey("example.test", "s1", pair.getPrivate())));
        String record = DkimKeys.txtRecord(alg, DkimKeys.publicKeyValue(pair.getPublic()));
        TxtResolver dns = name -> name.equals("s1._domainkey.example.test")
                ? DnsResult.found(List.of(record)) : DnsResult.of(DnsStatus.NXDOMAIN, "NXDOMAIN");
        verifier = new DkimVerifier(dns, InstantSource.fixed(NOW));
        message = message(size);
        StringBuilder withSignature = new StringBuilder();
        for (String field : signer.sign(new ByteArrayInputStream(message), NOW)) {
            withSignature.append(field);
        }
        signed = (withSignature + new String(message, StandardCharsets.ISO_8859_1)).getBytes(StandardCharsets.ISO_8859_1);
        DkimResult check = verifier.verify(new ByteArrayInputStream(signed)).result();
        if (check != DkimResult.PASS) {
            throw new IllegalStateException("the benchmark's own signature does not verify: " + check);
        }
    }

    @Benchmark
    public List<String> sign() throws IOException {
        return signer.sign(new ByteArrayInputStream(message), NOW);
    }

    @Benchmark
    public DkimVerification verify() throws IOException {
        return verifier.verify(new ByteArrayInputStream(signed));
    }

    static byte[] message(int size) {
        StringBuilder sb = new StringBuilder("""
                From: Alice <alice@example.test>\r
                To: Bob <bob@example.net>\r
                Subject: Benchmark\r
                Date: Sun, 1 Mar 2026 12:00:00 +0000\r
                Message-ID: <1@example.test>\r
                \r
                """);
        String line = "The quick brown fox jumps over the lazy dog, again and again and again.\r\n";
        while (sb.length() + line.length() <= size) {
            sb.append(line);
        }
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }
}
