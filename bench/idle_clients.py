#!/usr/bin/env python3
"""Holds many idle SMTP sessions open and times the greeting of a new client meanwhile.

  idle_clients.py PORT COUNT [--hold SECONDS] [--probes N] [--greeting-timeout SECONDS]
                             [--connect-timeout SECONDS]

1. Opens COUNT connections to 127.0.0.1:PORT (at most 1000 connecting at once; a connection not
   established within --connect-timeout, default 3 s, counts as refused: a server whose listen
   queue is full drops the SYN), from the source addresses 127.0.0.10 to 127.0.0.49 in turn so
   that no single client address holds them all, and reads each greeting (waiting at most
   --greeting-timeout seconds for it). The sessions stay open and silent.
2. While they are held, opens --probes new connections one after the other from 127.0.0.2 and
   times connect-to-220 for each (at most 5 s), then QUITs them.
3. Holds the sessions --hold more seconds (for memory sampling), then closes them all.

The last line is for scripts:
RESULT opened=N greeted=N probe_ok=N probe_p50_ms=.. probe_max_ms=.. (probe values -1: none got a greeting)
"""
import argparse
import asyncio
import resource
import time


async def open_idle(port, source, connect_timeout, greeting_timeout, sem, held):
    async with sem:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0)), connect_timeout)
        except (OSError, asyncio.TimeoutError):
            return "refused"
    held.append((reader, writer))
    try:
        line = await asyncio.wait_for(reader.readline(), greeting_timeout)
    except (OSError, asyncio.TimeoutError):
        return "silent"
    return "greeted" if line.startswith(b"220") else "other"


async def probe(port):
    t0 = time.monotonic()
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port, local_addr=("127.0.0.2", 0)), 5)
        line = await asyncio.wait_for(reader.readline(), 5 - (time.monotonic() - t0))
    except (OSError, asyncio.TimeoutError):
        return None
    elapsed = (time.monotonic() - t0) * 1000
    try:
        writer.write(b"QUIT\r\n")
        await writer.drain()
        writer.close()
    except OSError:
        pass
    return elapsed if line.startswith(b"220") else None


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("port", type=int)
    p.add_argument("count", type=int)
    p.add_argument("--hold", type=float, default=5)
    p.add_argument("--probes", type=int, default=20)
    p.add_argument("--greeting-timeout", type=float, default=30)
    p.add_argument("--connect-timeout", type=float, default=3)
    a = p.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = a.count + 1000
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(want, hard), max(want, hard)))

    sem = asyncio.Semaphore(1000)
    held = []
    t0 = time.monotonic()
    results = await asyncio.gather(*(
        open_idle(a.port, f"127.0.0.{10 + i % 40}", a.connect_timeout, a.greeting_timeout, sem, held) for i in range(a.count)))
    counts = {k: results.count(k) for k in ("greeted", "silent", "refused", "other")}
    print(f"{len(held)} connections open after {time.monotonic() - t0:.1f} s: {counts}", flush=True)

    times = []
    for _ in range(a.probes):
        t = await probe(a.port)
        if t is not None:
            times.append(t)
    times.sort()
    p50 = times[(len(times) - 1) // 2] if times else -1
    pmax = times[-1] if times else -1
    print(f"new clients: {len(times)} of {a.probes} greeted; connect to 220: "
          f"p50 {p50:.1f} ms, max {pmax:.1f} ms", flush=True)
    await asyncio.sleep(a.hold)
    # A session the server ended (e.g. Postfix's smtpd_timeout under stress) has seen its EOF.
    open_now = sum(1 for r, _ in held if not r.at_eof())
    for _, w in held:
        w.close()
    print(f"RESULT opened={len(held)} greeted={counts['greeted']} still_open={open_now} "
          f"probe_ok={len(times)} probe_p50_ms={p50:.1f} probe_max_ms={pmax:.1f}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
