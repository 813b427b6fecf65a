package org.postern.dkim;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The header part of a DKIM hash (RFC 6376 section 3.7), shared by signer and verifier. */
final class HeaderHash {

    private HeaderHash() {
    }

    /**
     * The bytes the signature covers: each header field named in h=, chosen from the bottom up
     * (section 5.4.2: a name listed twice takes the last two instances; a name listed more often
     * than it appears contributes nothing for the extra ones, which is how "oversigning" keeps
     * fields from being added), canonicalized; then the DKIM-Signature field itself with an
     * empty b= value and without its final CRLF.
     */
    static byte[] data(List<HeaderField> headers, List<String> signedNames, Canonicalization c,
            String signatureFieldWithoutB) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean[] used = new boolean[headers.size()];
        for (String name : signedNames) {
            for (int i = headers.size() - 1; i >= 0; i--) {
                if (!used[i] && headers.get(i).is(name)) {
                    used[i] = true;
                    out.writeBytes(bytes(c.header(headers.get(i))));
                    break;
                }
            }
        }
        String sig = c.header(HeaderField.of(signatureFieldWithoutB));
        if (sig.endsWith("\r\n")) {
            sig = sig.substring(0, sig.length() - 2);
        }
        out.writeBytes(bytes(sig));
        return out.toByteArray();
    }

    /**
     * The raw field with the value of its b= tag removed, surrounding whitespace included
     * (section 3.5 b=, section 3.7 step 2); everything else stays byte for byte.
     */
    static String withoutB(String raw) {
        int colon = raw.indexOf(':');
        String head = raw.substring(0, colon + 1);
        String[] specs = raw.substring(colon + 1).split(";", -1);
        List<String> kept = new ArrayList<>(specs.length);
        for (String spec : specs) {
            int eq = spec.indexOf('=');
            if (eq >= 0 && TagList.trim(spec.substring(0, eq)).equals("b")) {
                kept.add(spec.substring(0, eq + 1));
            } else {
                kept.add(spec);
            }
        }
        return head + String.join(";", kept);
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
