#!/usr/bin/env python3
"""prom_query.py - reads a Prometheus text page with python3-prometheus-client's
parser (an implementation independent of scstd's), for tests/integration/metrics.sh.

  prom_query.py check FILE
      the page parses; every family has HELP and a TYPE; exit 0
  prom_query.py sum FILE SAMPLE [label=value ...]
      the sum of the samples named SAMPLE whose labels match; exit 1 (and
      prints "none") when no sample matches
  prom_query.py hist_consistent FILE FAMILY
      every histogram series of FAMILY has non-decreasing buckets ending in
      +Inf equal to its _count; exit 1 otherwise
"""
import sys

from prometheus_client.parser import text_string_to_metric_families


def families(path):
    with open(path, encoding="utf-8") as f:
        return list(text_string_to_metric_families(f.read()))


def check(path):
    fams = families(path)
    if not fams:
        print("no metric families")
        return 1
    for fam in fams:
        if not fam.documentation or fam.type == "unknown":
            print(f"{fam.name}: HELP or TYPE missing")
            return 1
    return 0


def matches(sample, wanted):
    return all(sample.labels.get(k) == v for k, v in wanted.items())


def total(path, name, wanted):
    found = False
    value = 0.0
    for fam in families(path):
        for s in fam.samples:
            if s.name == name and matches(s, wanted):
                found = True
                value += s.value
    if not found:
        print("none")
        return 1
    print(int(value) if value == int(value) else value)
    return 0


def hist_consistent(path, family):
    for fam in families(path):
        if fam.name != family:
            continue
        series = {}
        counts = {}
        for s in fam.samples:
            key = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
            if s.name.endswith("_bucket"):
                series.setdefault(key, []).append((float(s.labels["le"]), s.value))
            elif s.name.endswith("_count"):
                counts[key] = s.value
        for key, buckets in series.items():
            buckets.sort()
            values = [v for _, v in buckets]
            if buckets[-1][0] != float("inf") or values != sorted(values) or \
                    values[-1] != counts.get(key):
                print(f"{family}{dict(key)}: buckets {buckets} count {counts.get(key)}")
                return 1
        return 0 if series else 1
    return 1


def main(argv):
    if len(argv) >= 3 and argv[1] == "check":
        return check(argv[2])
    if len(argv) >= 4 and argv[1] == "sum":
        wanted = dict(a.split("=", 1) for a in argv[4:])
        return total(argv[2], argv[3], wanted)
    if len(argv) == 4 and argv[1] == "hist_consistent":
        return hist_consistent(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
