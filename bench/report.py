#!/usr/bin/env python3
"""Prints benchmark results as Markdown tables with Postern/Postfix ratios.

  report.py acceptance acceptance.tsv
  report.py connections connections.tsv
  report.py delivery delivery.tsv
"""
import csv
import sys


def rows(path):
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t"))


def ratio(a, b):
    try:
        a, b = float(a), float(b)
    except ValueError:
        return "-"
    return f"{a / b:.2f}" if b else "-"


def size_label(size):
    n = int(size)
    return f"{n // 1024} KB" if n % 1024 == 0 else f"{n} B"


def acceptance(path):
    data = rows(path)
    by = {(r["server"], r["sessions"], r["size"]): r for r in data}
    points = []
    for r in data:
        key = (r["sessions"], r["size"])
        if key not in points:
            points.append(key)
    print("| size | sessions | server | msgs/s | CPU s/1000 msgs | peak RSS MB (sum VmHWM) | PSS MB | "
          "p50 ms | p90 ms | p99 ms | max ms | load | note |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for sessions, size in points:
        for server in ("postfix", "postern"):
            r = by.get((server, sessions, size))
            if r:
                print(f"| {size_label(size)} | {sessions} | {server} | {r['rate']} | {r['cpu_per_1000']} | {r['hwm_mb']} | "
                      f"{r['pss_mb']} | {r['p50_ms']} | {r['p90_ms']} | {r['p99_ms']} | {r['max_ms']} | "
                      f"{r['load']} | {r['note']} |")
        pf, pn = by.get(("postfix", sessions, size)), by.get(("postern", sessions, size))
        if pf and pn:
            print(f"| {size_label(size)} | {sessions} | **Postern/Postfix** | **{ratio(pn['rate'], pf['rate'])}** | "
                  f"**{ratio(pn['cpu_per_1000'], pf['cpu_per_1000'])}** | **{ratio(pn['hwm_mb'], pf['hwm_mb'])}** | "
                  f"**{ratio(pn['pss_mb'], pf['pss_mb'])}** | {ratio(pn['p50_ms'], pf['p50_ms'])} | "
                  f"{ratio(pn['p90_ms'], pf['p90_ms'])} | {ratio(pn['p99_ms'], pf['p99_ms'])} | "
                  f"{ratio(pn['max_ms'], pf['max_ms'])} | | |")


def simple(path):
    data = rows(path)
    if not data:
        return
    cols = list(data[0].keys())
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in data:
        print("| " + " | ".join(r[c] for c in cols) + " |")


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    if argv[1] == "acceptance":
        acceptance(argv[2])
    else:
        simple(argv[2])


if __name__ == "__main__":
    main(sys.argv)
