#!/usr/bin/env python3
"""Prints benchmark results as Markdown tables with Postern/Postfix ratios.

  report.py acceptance acceptance.tsv
  report.py checks checks.tsv          (acceptance's table plus DNS queries per message, CPU split)
  report.py connections connections.tsv
  report.py delivery delivery.tsv
  report.py outbound outbound.tsv
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


def acceptance(path, dns=False):
    """The acceptance table; with dns, columns of DNS queries per message and the CPU split (bench/checks.sh)."""
    data = rows(path)
    by = {(r["server"], r["sessions"], r["size"]): r for r in data}
    points = []
    for r in data:
        key = (r["sessions"], r["size"])
        if key not in points:
            points.append(key)
    dns_head, dns_rule = (" DNS queries/msg | CPU split s/1000 |", "---|---|") if dns else ("", "")
    print("| size | sessions | server | msgs/s | CPU s/1000 msgs | peak RSS MB (sum VmHWM) | PSS MB | "
          f"p50 ms | p90 ms | p99 ms | max ms |{dns_head} load | note |")
    print(f"|---|---|---|---|---|---|---|---|---|---|---|{dns_rule}---|---|")
    for sessions, size in points:
        for server in ("postfix", "postern"):
            r = by.get((server, sessions, size))
            if r:
                dns_cell = f" {r['dns_per_msg']} | {r['cpu_split']} |" if dns else ""
                print(f"| {size_label(size)} | {sessions} | {server} | {r['rate']} | {r['cpu_per_1000']} | {r['hwm_mb']} | "
                      f"{r['pss_mb']} | {r['p50_ms']} | {r['p90_ms']} | {r['p99_ms']} | {r['max_ms']} |{dns_cell} "
                      f"{r['load']} | {r['note']} |")
        pf, pn = by.get(("postfix", sessions, size)), by.get(("postern", sessions, size))
        if pf and pn:
            dns_cell = f" {ratio(pn['dns_per_msg'], pf['dns_per_msg'])} | |" if dns else ""
            print(f"| {size_label(size)} | {sessions} | **Postern/Postfix** | **{ratio(pn['rate'], pf['rate'])}** | "
                  f"**{ratio(pn['cpu_per_1000'], pf['cpu_per_1000'])}** | **{ratio(pn['hwm_mb'], pf['hwm_mb'])}** | "
                  f"**{ratio(pn['pss_mb'], pf['pss_mb'])}** | {ratio(pn['p50_ms'], pf['p50_ms'])} | "
                  f"{ratio(pn['p90_ms'], pf['p90_ms'])} | {ratio(pn['p99_ms'], pf['p99_ms'])} | "
                  f"{ratio(pn['max_ms'], pf['max_ms'])} |{dns_cell} | |")


def simple(path, ratios=()):
    """Every column as it is; with ratios, a Postern/Postfix row for those columns."""
    data = rows(path)
    if not data:
        return
    cols = list(data[0].keys())
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in data:
        print("| " + " | ".join(r[c] for c in cols) + " |")
    by = {r["server"]: r for r in data}
    if ratios and "postfix" in by and "postern" in by:
        cells = [f"**{ratio(by['postern'][c], by['postfix'][c])}**" if c in ratios else "" for c in cols]
        cells[0] = "**Postern/Postfix**"
        print("| " + " | ".join(cells) + " |")


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    if argv[1] == "acceptance":
        acceptance(argv[2])
    elif argv[1] == "checks":
        acceptance(argv[2], dns=True)
    elif argv[1] in ("delivery", "outbound"):
        simple(argv[2], ratios=("delivered_per_s", "cpu_per_1000"))
    else:
        simple(argv[2])


if __name__ == "__main__":
    main(sys.argv)
