package org.postern.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Free loopback TCP ports for servers a test starts later (Postfix instances, Posterns, fake
 * peers). The kernel may hand the same port to two probes once the first probe's socket is
 * closed; tests that start several servers at once (the differential tests run their
 * configurations in parallel) would then start two servers on one port, and one would answer
 * for the other. A port is therefore never handed out twice in one test JVM.
 */
public final class FreePorts {

    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    private FreePorts() {
    }

    /** A port that was free a moment ago and that no other caller in this JVM got. */
    public static synchronized int next() throws IOException {
        while (true) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                if (HANDED_OUT.add(s.getLocalPort())) {
                    return s.getLocalPort();
                }
            }
        }
    }
}
