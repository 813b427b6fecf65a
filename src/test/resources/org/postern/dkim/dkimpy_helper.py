#!/usr/bin/python3
"""dkimpy (Debian python3-dkim) as an independent DKIM peer for Postern's interop tests.

  dkimpy_helper.py verify MESSAGE NAME TXT [NAME TXT ...]
      Verifies every DKIM-Signature of MESSAGE; key records come from the arguments (no DNS).
      Prints one line per signature, 'sig N: pass' or 'sig N: fail <reason>'; exit 0 when all pass.
  dkimpy_helper.py sign MESSAGE DOMAIN SELECTOR ALGORITHM KEYFILE [CANON]
      Prints the DKIM-Signature field dkimpy makes (ALGORITHM rsa-sha256 with a PEM key file,
      or ed25519-sha256 with a file holding the base64 32-byte private key; CANON e.g.
      relaxed/relaxed, the default).
"""
import logging
import sys

try:
    import dkim
except ImportError:
    sys.stderr.write("python3-dkim is not installed: apt-get install python3-dkim python3-nacl\n")
    sys.exit(3)


class Collector(logging.Handler):
    def __init__(self):
        logging.Handler.__init__(self)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def verify(path, pairs):
    records = {}
    for i in range(0, len(pairs), 2):
        records[pairs[i].rstrip(".").lower() + "."] = pairs[i + 1].encode()

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode()
        name = name.lower()
        if not name.endswith("."):
            name += "."
        return records.get(name)

    message = open(path, "rb").read()
    log = Collector()
    logger = logging.getLogger("dkimpy-helper")
    logger.addHandler(log)
    logger.setLevel(logging.DEBUG)
    d = dkim.DKIM(message, logger=logger, minkey=1024)
    count = sum(1 for (name, _) in d.headers if name.lower() == b"dkim-signature")
    if count == 0:
        print("no signature")
        return 1
    ok = True
    for i in range(count):
        log.messages.clear()
        try:
            good = d.verify(idx=i, dnsfunc=dnsfunc)
        except dkim.DKIMException as e:
            good = False
            log.messages.append(str(e))
        ok = ok and good
        print("sig %d: %s %s" % (i, "pass" if good else "fail", "" if good else " | ".join(log.messages[-3:])))
    return 0 if ok else 1


def sign(path, domain, selector, algorithm, keyfile, canon="relaxed/relaxed"):
    message = open(path, "rb").read()
    key = open(keyfile, "rb").read().strip()
    h, b = canon.split("/")
    field = dkim.sign(message, selector.encode(), domain.encode(), key,
                      signature_algorithm=algorithm.encode(),
                      canonicalize=(h.encode(), b.encode()),
                      include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    sys.stdout.buffer.write(field)
    return 0


def main(argv):
    if len(argv) >= 3 and argv[1] == "verify" and len(argv) % 2 == 1:
        return verify(argv[2], argv[3:])
    if len(argv) in (7, 8) and argv[1] == "sign":
        return sign(*argv[2:])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
