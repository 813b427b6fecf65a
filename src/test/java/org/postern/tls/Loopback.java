package org.postern.tls;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * A server socket on loopback served through a {@link ServerTls}, and an SMTP-ish client: enough
 * to run a real handshake, STARTTLS-style or implicit, and see what both sides agreed.
 */
final class Loopback implements AutoCloseable {

    static final int TIMEOUT_MS = 10_000;

    /** What the client saw. */
    record ClientView(String protocol, String cipherSuite, BigInteger serial, int chainLength, String reply) {
    }

    private final ServerSocket listener;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    Loopback() throws IOException {
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    }

    /** Something to do on the server between wrapping the socket and the handshake. */
    interface AfterWrap {
        void run() throws Exception;
    }

    /** Serves one connection: optional plaintext STARTTLS exchange, then TLS and one echoed line. */
    Future<TlsFacts> serveOne(ServerTls tls, boolean startTls) {
        return serveOne(tls, startTls, () -> { });
    }

    Future<TlsFacts> serveOne(ServerTls tls, boolean startTls, AfterWrap afterWrap) {
        return serveOne(tls, tls.protocols(), startTls, afterWrap);
    }

    Future<TlsFacts> serveOne(ServerTls tls, TlsProtocols protocols, boolean startTls, AfterWrap afterWrap) {
        return executor.submit(() -> {
            try (Socket plain = listener.accept()) {
                plain.setSoTimeout(TIMEOUT_MS);
                if (startTls) {
                    if (!readLine(plain.getInputStream()).equals("STARTTLS")) {
                        throw new IOException("expected STARTTLS");
                    }
                    write(plain.getOutputStream(), "220 2.0.0 Ready to start TLS");
                }
                try (SSLSocket ssl = tls.wrap(plain, protocols)) {
                    afterWrap.run();
                    TlsFacts facts = ServerTls.handshake(ssl);
                    String command = readLine(ssl.getInputStream());
                    write(ssl.getOutputStream(), "250 " + command);
                    return facts;
                }
            }
        });
    }

    /** Connects, optionally says STARTTLS, handshakes trusting {@code client}, sends one line. */
    ClientView connect(SSLContext client, boolean startTls, String[] protocols, String[] suites) throws IOException {
        Socket plain = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
        plain.setSoTimeout(TIMEOUT_MS);
        if (startTls) {
            write(plain.getOutputStream(), "STARTTLS");
            String reply = readLine(plain.getInputStream());
            if (!reply.startsWith("220 ")) {
                throw new IOException("STARTTLS refused: " + reply);
            }
        }
        try (SSLSocket ssl = (SSLSocket) client.getSocketFactory()
                .createSocket(plain, "mx.example.test", listener.getLocalPort(), true)) {
            if (protocols != null) {
                ssl.setEnabledProtocols(protocols);
            }
            if (suites != null) {
                ssl.setEnabledCipherSuites(suites);
            }
            ssl.startHandshake();
            write(ssl.getOutputStream(), "EHLO client.example.test");
            String reply = readLine(ssl.getInputStream());
            SSLSession session = ssl.getSession();
            X509Certificate leaf = (X509Certificate) session.getPeerCertificates()[0];
            return new ClientView(session.getProtocol(), session.getCipherSuite(), leaf.getSerialNumber(),
                    session.getPeerCertificates().length, reply);
        }
    }

    ClientView connect(SSLContext client, boolean startTls) throws IOException {
        return connect(client, startTls, null, null);
    }

    /** A client context that trusts exactly these certificates. */
    static SSLContext clientTrusting(X509Certificate... trusted) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        for (int i = 0; i < trusted.length; i++) {
            store.setCertificateEntry("trusted" + i, trusted[i]);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    /** A client context that accepts any server certificate, to see what an unverifiable server sends. */
    static SSLContext clientTrustingAnything() throws Exception {
        X509TrustManager anything = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {anything}, null);
        return context;
    }

    /** Reads one CRLF line a byte at a time, so nothing past it is consumed. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != '\n') {
            if (b < 0) {
                throw new IOException("connection closed");
            }
            line.write(b);
        }
        String s = line.toString(StandardCharsets.US_ASCII);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    static void write(OutputStream out, String line) throws IOException {
        out.write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** The server side's result, waiting no longer than the deadline. */
    static TlsFacts await(Future<TlsFacts> server) throws Exception {
        return server.get(TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() throws IOException {
        executor.shutdownNow();
        listener.close();
    }
}
