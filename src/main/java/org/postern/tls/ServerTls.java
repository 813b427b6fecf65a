package org.postern.tls;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.postern.log.MailLog;
import org.slf4j.Logger;

/**
 * The server side of TLS: holds the current {@link SSLContext}, built from the operator's PEM
 * files or a self-signed fallback, and turns accepted plain sockets into server-mode
 * {@link SSLSocket}s, for STARTTLS (RFC 3207) as well as implicit TLS on port 465 (RFC 8314).
 *
 * <p>Certificates are replaced on disk while the server runs (Let's Encrypt renews every 60-90
 * days). {@link #checkForChanges()} compares the files' real path, size and modification time
 * with what was last read and, on a change, builds a new context. If the new files cannot be
 * used, say because the certificate was replaced but the key not yet, the old context stays and
 * a warning names the file and the reason; the next change is tried again. Sockets already
 * created keep the context they were made with, so a reload never disturbs a handshake.
 *
 * <p>Safe for concurrent use.
 */
public final class ServerTls {

    /** How often {@link #wrap} itself looks at the files: renewals are days apart, stat is cheap. */
    static final Duration RECHECK_INTERVAL = Duration.ofSeconds(60);

    private static final Logger LOG = MailLog.logger("tls");
    /** The in-memory key store needs some password; it is never written anywhere. */
    private static final char[] STORE_PASSWORD = "postern".toCharArray();

    /** Where the credentials come from. */
    private interface Source {
        List<Path> files();

        List<TlsCredential> load() throws TlsException;
    }

    /**
     * What was read: the context built from it, and contexts with the same keys that name other
     * CAs in a client-certificate request (one per distinct smtpd_tls_CAfile), made when first
     * needed.
     */
    private record Loaded(SSLContext context, List<TlsCredential> credentials, KeyManager[] keyManagers,
                          Map<List<X509Certificate>, SSLContext> byListedCas) {

        SSLContext context(List<X509Certificate> listedCas) {
            if (listedCas.isEmpty()) {
                return context;
            }
            return byListedCas.computeIfAbsent(listedCas, cas -> {
                try {
                    SSLContext c = SSLContext.getInstance("TLS");
                    c.init(keyManagers, new TrustManager[] {new AcceptAnyClient(cas)}, null);
                    return c;
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("cannot build a TLS context: " + e, e);
                }
            });
        }
    }

    /** A file's identity and version; a missing file is all nulls. */
    private record Stamp(Path realPath, FileTime modified, long size) {
    }

    private final Source source;
    private final TlsProtocols protocols;
    private final ReentrantLock reloadLock = new ReentrantLock();
    private volatile Loaded current;
    private Map<Path, Stamp> lastSeen;
    private volatile long lastCheckNanos;

    private ServerTls(Source source, TlsProtocols protocols) throws TlsException {
        this.source = source;
        this.protocols = protocols;
        this.lastSeen = stamps(source.files());
        this.current = build(source.load());
        this.lastCheckNanos = System.nanoTime();
        log("using", current.credentials());
    }

    /**
     * From {@code smtpd_tls_cert_file} and {@code smtpd_tls_key_file} ({@code keyFile} may be null
     * when the key is in the certificate file).
     *
     * @throws TlsException when the files cannot be used; the caller decides whether to fall back
     *                      to {@link #selfSigned} or to run without TLS, as Postfix does
     */
    public static ServerTls fromFiles(Path certFile, Path keyFile, TlsProtocols protocols) throws TlsException {
        List<Path> files = keyFile == null || keyFile.equals(certFile) ? List.of(certFile) : List.of(certFile, keyFile);
        return new ServerTls(new Source() {
            @Override
            public List<Path> files() {
                return files;
            }

            @Override
            public List<TlsCredential> load() throws TlsException {
                return List.of(PemFiles.load(certFile, keyFile));
            }
        }, protocols);
    }

    /** From {@code smtpd_tls_chain_files}: each key followed by its chain, possibly several keys. */
    public static ServerTls fromChainFiles(List<Path> files, TlsProtocols protocols) throws TlsException {
        List<Path> copy = List.copyOf(files);
        return new ServerTls(new Source() {
            @Override
            public List<Path> files() {
                return copy;
            }

            @Override
            public List<TlsCredential> load() throws TlsException {
                return PemFiles.loadChainFiles(copy);
            }
        }, protocols);
    }

    /** From the self-signed certificate in {@code dir}, made for {@code hostname} if need be ({@link SelfSigned}). */
    public static ServerTls selfSigned(Path dir, String hostname, TlsProtocols protocols) throws TlsException {
        List<Path> files = List.of(SelfSigned.certFile(dir), SelfSigned.keyFile(dir));
        return new ServerTls(new Source() {
            @Override
            public List<Path> files() {
                return files;
            }

            @Override
            public List<TlsCredential> load() throws TlsException {
                return List.of(SelfSigned.obtain(dir, hostname));
            }
        }, protocols);
    }

    /**
     * Layers server-mode TLS over an accepted plain socket; closing the result closes
     * {@code plain}. The handshake runs on first I/O or on {@link #handshake}; set a read timeout
     * on {@code plain} first so that a silent client cannot hold the thread.
     *
     * <p>For STARTTLS, call this after sending the 220 reply, and only once the session has
     * thrown away whatever plaintext it had buffered after the STARTTLS command: RFC 3207
     * section 4.1 sets the protocol back to its start, and plaintext pipelined after STARTTLS
     * must not be taken as sent under TLS (the "STARTTLS command injection" flaw, CVE-2011-0411).
     * That is why no already-read bytes can be passed in. For implicit TLS (port 465, RFC 8314
     * section 3.3), call it straight after accept.
     */
    public SSLSocket wrap(Socket plain) throws IOException {
        return wrap(plain, protocols);
    }

    /**
     * As {@link #wrap(Socket)}, with other protocols than this instance's: one listener may use
     * {@code smtpd_tls_mandatory_protocols}, another {@code smtpd_tls_protocols}.
     */
    public SSLSocket wrap(Socket plain, TlsProtocols protocols) throws IOException {
        return wrap(plain, protocols, ClientCertChecks.NONE);
    }

    /**
     * As {@link #wrap(Socket, TlsProtocols)}; when {@code clientCerts} asks for them, the server
     * requests a client certificate (RFC 8446 section 4.3.2, RFC 5246 section 7.4.4), naming the
     * CAs of smtpd_tls_CAfile, but accepts the handshake whatever the client sends, as Postfix
     * does: whether the certificate is trusted is decided afterwards by {@link ClientCertChecks},
     * and the restrictions decide what that means.
     */
    public SSLSocket wrap(Socket plain, TlsProtocols protocols, ClientCertChecks clientCerts) throws IOException {
        checkForChangesIfDue();
        boolean askClientCert = clientCerts.ask();
        SSLContext context = askClientCert ? current.context(clientCerts.listed()) : current.context();
        SSLSocket socket = (SSLSocket) context.getSocketFactory()
                .createSocket(plain, plain.getInetAddress().getHostAddress(), plain.getPort(), true);
        socket.setUseClientMode(false);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setProtocols(protocols.toArray());
        parameters.setCipherSuites(aeadOnly(socket.getEnabledCipherSuites()));
        parameters.setUseCipherSuitesOrder(true); // pick by our (the JDK default) order, not the client's
        parameters.setNeedClientAuth(false);
        parameters.setWantClientAuth(askClientCert);
        socket.setSSLParameters(parameters);
        return socket;
    }

    /**
     * The cipher suites a server socket offers: of the JDK's enabled ones (which already leave
     * out NULL, anonymous, export, DES, RC4, 3DES and RSA key transport), only the AEAD suites,
     * in the JDK's order. TLS 1.3 has nothing else (RFC 8446 section 5.2); for TLS 1.2 that keeps
     * AES-GCM, AES-CCM and ChaCha20-Poly1305 with ECDHE or DHE, the suites RFC 9325 section 4.2
     * recommends, and drops the CBC-mode suites with HMAC, whose MAC-then-encrypt construction is
     * what padding-oracle attacks such as Lucky Thirteen exploit. Every client that speaks TLS
     * 1.2 (the oldest protocol enabled) has an AEAD suite. The renegotiation signalling value
     * (RFC 5746 section 3.3) is not a cipher and stays.
     */
    static String[] aeadOnly(String[] suites) {
        return Arrays.stream(suites).filter(ServerTls::isAeadOrSignal).toArray(String[]::new);
    }

    private static boolean isAeadOrSignal(String suite) {
        return suite.contains("_GCM_") || suite.contains("_CCM") || suite.contains("_CHACHA20_POLY1305_")
                || suite.equals("TLS_EMPTY_RENEGOTIATION_INFO_SCSV");
    }

    /** Runs the handshake on a socket from {@link #wrap} and returns what it agreed. */
    public static TlsFacts handshake(SSLSocket socket) throws IOException {
        return handshake(socket, ClientCertChecks.NONE);
    }

    /** As {@link #handshake(SSLSocket)}, examining the client certificate with {@code checks}. */
    public static TlsFacts handshake(SSLSocket socket, ClientCertChecks checks) throws IOException {
        socket.startHandshake();
        return TlsFacts.of(socket.getSession(), checks);
    }

    /** The credentials now in use. */
    public List<TlsCredential> credentials() {
        return current.credentials();
    }

    /** The protocols enabled on new sockets. */
    public TlsProtocols protocols() {
        return protocols;
    }

    /**
     * Re-reads the files if any changed since last looked at; cheap when none did.
     *
     * @return true when a new context is now in use
     */
    public boolean checkForChanges() {
        reloadLock.lock();
        try {
            lastCheckNanos = System.nanoTime();
            Map<Path, Stamp> now = stamps(source.files());
            if (now.equals(lastSeen)) {
                return false;
            }
            // Remembered even if the load fails, so that a broken file is warned about once,
            // not every minute, and the next change to it is tried afresh.
            lastSeen = now;
            try {
                Loaded loaded = build(source.load());
                current = loaded;
                log("reloaded", loaded.credentials());
                return true;
            } catch (TlsException e) {
                LOG.warn("{}; keeping the previous certificate", e.getMessage());
                return false;
            }
        } finally {
            reloadLock.unlock();
        }
    }

    private void checkForChangesIfDue() {
        if (System.nanoTime() - lastCheckNanos < RECHECK_INTERVAL.toNanos()) {
            return;
        }
        // One caller reloads; other connections go on with the current context meanwhile.
        if (reloadLock.isLocked()) {
            return;
        }
        checkForChanges();
    }

    private Loaded build(List<TlsCredential> credentials) throws TlsException {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            int n = 0;
            for (TlsCredential credential : credentials) {
                store.setKeyEntry("key" + n++, credential.privateKey(), STORE_PASSWORD,
                        credential.chain().toArray(X509Certificate[]::new));
            }
            // PKIX (X509KeyManagerImpl), unlike SunX509, picks among several keys the one whose
            // type and signature algorithms the client offered.
            KeyManagerFactory keyManagers = KeyManagerFactory.getInstance("PKIX");
            keyManagers.init(store, STORE_PASSWORD);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers.getKeyManagers(), new TrustManager[] {new AcceptAnyClient(List.of())}, null);
            return new Loaded(context, List.copyOf(credentials), keyManagers.getKeyManagers(),
                    new java.util.concurrent.ConcurrentHashMap<>());
        } catch (GeneralSecurityException | IOException e) {
            LinkedHashSet<Path> files = new LinkedHashSet<>();
            credentials.forEach(c -> files.addAll(c.files()));
            throw new TlsException(files + ": cannot build a TLS context: " + e, e);
        }
    }

    private static Map<Path, Stamp> stamps(List<Path> files) {
        Map<Path, Stamp> stamps = new LinkedHashMap<>();
        for (Path file : files) {
            try {
                // Follows symlinks: certbot's live/ links switch to new archive/ files on renewal,
                // and the real path catches a switch to a file of equal size and time.
                BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
                stamps.put(file, new Stamp(file.toRealPath(), attributes.lastModifiedTime(), attributes.size()));
            } catch (IOException e) {
                stamps.put(file, new Stamp(null, null, -1));
            }
        }
        return stamps;
    }

    private static void log(String verb, List<TlsCredential> credentials) {
        for (TlsCredential credential : credentials) {
            X509Certificate leaf = credential.leaf();
            LOG.info("{} certificate {} serial {} valid until {} from {}", verb,
                    leaf.getSubjectX500Principal().getName(), leaf.getSerialNumber().toString(16),
                    leaf.getNotAfter().toInstant(), credential.files());
        }
    }
}
