"""Lighthouse scores of the storefront: home, catalog and a product page, mobile and desktop.

Runs Google's Lighthouse (Node) against a shop that is already running and prints one table of the
four category scores (performance, accessibility, best practices, SEO). Lighthouse is not a project
dependency: install it once into a scratch folder, outside the repository,

    mkdir -p /tmp/lh && (cd /tmp/lh && npm install lighthouse)

then start a shop (any data dir and port) and point this at it:

    DATA_DIR=/tmp/webshop PORT=8010 EMBEDDED_DB_PORT=27030 .venv/bin/python -m app run &
    .venv/bin/python bench/lighthouse.py --base http://127.0.0.1:8010 --lighthouse /tmp/lh/node_modules/.bin/lighthouse

Chromium comes from CHROME_PATH (default /usr/bin/chromium). "benchmark" is Lighthouse's measure of
the host's CPU (benchmarkIndex; Chrome DevTools calls 1000 a mid-tier phone): mobile runs slow the
CPU down 4x more on top of it, which assumes a fast, idle desktop. On a busy 2-core machine the index
falls to ~900-1700 and Total Blocking Time then measures the machine's other work; compare runs at a
similar index, or pass --cpu-slowdown calibrated to the host. Each run takes ~15-30 s on 2 cores,
so the six runs take a few minutes; `--runs 3` keeps each page's median performance score, which
moves by a few points between runs on a shared machine. Reports (JSON) stay in --out for a look at
the failing audits.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

SCRATCH = Path(tempfile.gettempdir())
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CHROME_FLAGS = (
    "--headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync"
)


def first_product_path(base: str) -> str:
    """The first product linked from the catalog page: the product page to measure."""
    with urllib.request.urlopen(f"{base}/products", timeout=30) as response:
        html = response.read().decode("utf-8")
    match = re.search(r'href="(/products/[a-z0-9-]+)"', html)
    if match is None:
        raise SystemExit("no product link on /products: is the shop seeded?")
    return match.group(1)


def run_lighthouse(
    lighthouse: str, url: str, form_factor: str, report: Path, cpu_slowdown: float | None = None
) -> dict[str, int]:
    """The four scores of one run, and the host's CPU benchmark index under "benchmark"."""
    command = [
        lighthouse,
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    if form_factor == "desktop":
        command.append("--preset=desktop")
    if cpu_slowdown is not None:
        command.append(f"--throttling.cpuSlowdownMultiplier={cpu_slowdown}")
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    for attempt in range(3):  # Lighthouse now and then loses its trace (NO_NAVSTART): run it again
        if subprocess.run(command, env=env, stdout=subprocess.DEVNULL, timeout=300).returncode == 0:
            break
        print(f"lighthouse failed on {url} ({form_factor}), attempt {attempt + 1}", file=sys.stderr)
    else:
        raise SystemExit(f"lighthouse failed three times on {url}")
    data = json.loads(report.read_text())
    scores = {name: round((data["categories"][name]["score"] or 0) * 100) for name in CATEGORIES}
    return {**scores, "benchmark": round(data["environment"]["benchmarkIndex"])}


def failing_audits(report: Path, limit: int = 6) -> list[str]:
    """The audits that cost points, worst first, for a hint under the table."""
    data = json.loads(report.read_text())
    failed = [
        (audit["score"], audit_id)
        for audit_id, audit in data["audits"].items()
        if audit.get("score") is not None
        and audit["score"] < 0.9
        and audit.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings")
    ]
    return [audit_id for _, audit_id in sorted(failed)[:limit]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", default="http://127.0.0.1:8010", help="address of a running shop")
    parser.add_argument(
        "--lighthouse", default=str(SCRATCH / "lh/node_modules/.bin/lighthouse"), help="the lighthouse CLI"
    )
    parser.add_argument("--out", type=Path, default=SCRATCH / "lighthouse-reports")
    parser.add_argument("--runs", type=int, default=1, help="runs per page; the median performance is kept")
    parser.add_argument("--devices", default="mobile,desktop", help="form factors, comma-separated")
    parser.add_argument("--pages", default="", help="some of home,catalog,product (default: all three)")
    parser.add_argument(
        "--cpu-slowdown",
        type=float,
        default=None,
        help="Lighthouse's CPU multiplier (default 4 on mobile, 1 on desktop); see the note below the table",
    )
    args = parser.parse_args()
    if not Path(args.lighthouse).exists():
        raise SystemExit(f"{args.lighthouse} not found: mkdir -p /tmp/lh && (cd /tmp/lh && npm install lighthouse)")
    base = args.base.rstrip("/")
    args.out.mkdir(parents=True, exist_ok=True)
    pages = {"home": "/", "catalog": "/products", "product": first_product_path(base)}
    if args.pages:
        pages = {name: path for name, path in pages.items() if name in args.pages.split(",")}

    print(f"{'page':<9} {'device':<8} " + " ".join(f"{name:>14}" for name in (*CATEGORIES, "benchmark")))
    hints: dict[str, list[str]] = {}
    for page, path in pages.items():
        for form_factor in args.devices.split(","):
            runs = []
            for run in range(args.runs):
                report = args.out / f"{page}-{form_factor}-{run}.json"
                runs.append(run_lighthouse(args.lighthouse, base + path, form_factor, report, args.cpu_slowdown))
                hints[f"{page}/{form_factor}"] = failing_audits(report)
            median = {name: int(statistics.median(r[name] for r in runs)) for name in (*CATEGORIES, "benchmark")}
            print(
                f"{page:<9} {form_factor:<8} " + " ".join(f"{median[name]:>14}" for name in (*CATEGORIES, "benchmark")),
                flush=True,
            )
    print("\naudits below 0.9 (last run):", file=sys.stderr)
    for key, audits in hints.items():
        print(f"  {key}: {', '.join(audits) or '-'}", file=sys.stderr)


if __name__ == "__main__":
    main()
