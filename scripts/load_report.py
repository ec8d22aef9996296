"""Turns locust's CSV into docs/load-results.md; exits 1 on any 5xx or failure."""

import csv
import platform
import sys
from datetime import UTC, datetime

stats_path, failures_path, seconds, users, out = sys.argv[1:6]
rows = list(csv.DictReader(open(stats_path)))  # noqa: SIM115
failures = list(csv.DictReader(open(failures_path)))  # noqa: SIM115
lines = [
    "# Load test results (`make load`)",
    "",
    f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {seconds} s, {users} users, "
    "gunicorn 2 workers x 2 threads, PostgreSQL and Redis on loopback, demo data (scripts/load.sh). The machine "
    "was shared with other work, so the figures are a floor, not a capacity.",
    "",
    "| request | count | failures | req/s | p50 ms | p95 ms | p99 ms |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
]
for row in rows:
    name = row["Name"] if row["Name"] != "Aggregated" else "**all**"
    lines.append(
        f"| {row['Type']} {name} | {row['Request Count']} | {row['Failure Count']} | {float(row['Requests/s']):.1f} "
        f"| {row['50%']} | {row['95%']} | {row['99%']} |"
    )
total = next(r for r in rows if r["Name"] == "Aggregated")
errors = int(total["Failure Count"])
rate = errors / max(int(total["Request Count"]), 1)
lines += ["", f"Error rate: {rate:.2%} ({errors} of {total['Request Count']})."]
if failures:
    lines += ["", "Failures:", ""] + [
        f"- {f['Method']} {f['Name']}: {f['Error']} x{f['Occurrences']}" for f in failures
    ]
open(out, "w").write("\n".join(lines) + "\n")  # noqa: SIM115
print("\n".join(lines))
sys.exit(1 if failures else 0)
