#!/usr/bin/env python3
"""CPU time and memory of a server's process tree, read from /proc (Linux only).

A server is one or more root PIDs plus all their descendants: for Postern the java process, for
Postfix the master and every daemon it started (smtpd, cleanup, qmgr, trivial-rewrite, postlogd...).

  procstat.py tree ROOT...         the PIDs of the trees, one a line
  procstat.py cpu ROOT...          CPU seconds (user + system) of the trees, including the time of
                                   children that already exited and were reaped (cutime + cstime),
                                   so that Postfix daemons that exit during a run (max_use) still
                                   count; take the difference of two readings
  procstat.py sample OUT ROOT...   samples memory once a second until SIGTERM/SIGINT, then writes
                                   "hwm_kb=N rss_kb=N pss_kb=N procs=N" to OUT: the largest sum of
                                   VmHWM (peak RSS per process), of VmRSS and of Pss over the live
                                   processes seen in any one sample
"""
import os
import signal
import sys
import time

CLK_TCK = os.sysconf("SC_CLK_TCK")


def stat_fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    # The command name is in parentheses and may contain spaces: split after the last ')'.
    return text[text.rindex(")") + 2:].split()


def children_map():
    kids = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            ppid = int(stat_fields(name)[1])
        except (OSError, ValueError, IndexError):
            continue
        kids.setdefault(ppid, []).append(int(name))
    return kids


def tree(roots):
    kids = children_map()
    out, todo = [], list(roots)
    while todo:
        pid = todo.pop()
        if pid in out or not os.path.exists(f"/proc/{pid}"):
            continue
        out.append(pid)
        todo.extend(kids.get(pid, []))
    return out


def cpu_seconds(roots):
    ticks = 0
    for pid in tree(roots):
        try:
            f = stat_fields(pid)
        except OSError:
            continue
        # Fields 14-17 of proc(5) (utime stime cutime cstime), counted from field 3 here.
        ticks += sum(int(x) for x in f[11:15])
    return ticks / CLK_TCK


def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def sample(out, roots):
    best = {"hwm_kb": 0, "rss_kb": 0, "pss_kb": 0, "procs": 0}
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))

    # Reading smaps_rollup (for PSS) walks the process's page tables under its memory-map
    # lock, which stalls a big JVM's threads: read every second, it cost Postern about a fifth
    # of its throughput at 20 sessions. VmHWM (from status, cheap) is read every second, PSS
    # every tenth time and at the end.
    def once(with_pss):
        hwm = rss = pss = 0
        pids = tree(roots)
        for pid in pids:
            try:
                hwm += status_kb(pid, "VmHWM")
                rss += status_kb(pid, "VmRSS")
                if with_pss:
                    pss += pss_kb(pid)
            except OSError:
                continue
        for k, v in (("hwm_kb", hwm), ("rss_kb", rss), ("pss_kb", pss), ("procs", len(pids))):
            best[k] = max(best[k], v)

    n = 0
    while not stop:
        once(n % 10 == 0)
        n += 1
        for _ in range(10):
            if stop:
                break
            time.sleep(0.1)
    once(True)
    with open(out, "w") as f:
        f.write(" ".join(f"{k}={v}" for k, v in best.items()) + "\n")


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    cmd = argv[1]
    if cmd == "tree":
        print("\n".join(str(p) for p in tree([int(a) for a in argv[2:]])))
    elif cmd == "cpu":
        print(f"{cpu_seconds([int(a) for a in argv[2:]]):.2f}")
    elif cmd == "sample" and len(argv) >= 4:
        sample(argv[2], [int(a) for a in argv[3:]])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
