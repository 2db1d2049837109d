"""`jaxmag mx3` on a folder of mumax3 regression scripts: how many run unmodified and pass
every `expect`, and why the others fail.

    python benchmarks/mx3_regression.py --scripts PATH/TO/mumax3/test --jobs 2
    python benchmarks/mx3_regression.py --scripts ... --demag-kernel mumax3
    python benchmarks/mx3_regression.py --quick      # jaxmag's own scripts (tests/data/mx3)

mumax3's scripts are not kept in this repository: clone mumax3 (github.com/mumax/3) and
point `--scripts` at its `test/` folder. Only scripts that call `expect`/`expectv` (any
case, outside comments) count. Each runs in its own process (`jaxmag mx3`, float64)
with a time limit; a pass means exit status 0. For every passing script a copy whose
first expectation has its tolerance set to -1 is run too, and must fail (an honest pass;
an expectation that never executes, as in an `if !true` branch, cannot). `--out` writes
one CSV row per script (name, status, seconds, message). The last line of output is one JSON object.
"""

import argparse
import csv
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import emit  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OWN = ROOT / "tests" / "data" / "mx3"
_EXPECT = re.compile(r"(expectv?\s*\((?:[^()]|\([^()]*(?:\([^()]*\))*[^()]*\))*),([^,()]+)\)",
                     re.IGNORECASE)  # fmt: skip


def _run(path: Path, kernel: str, timeout: float, outdir: Path) -> tuple[str, float, str]:
    cmd = [sys.executable, "-m", "jaxmag.cli", "mx3", str(path), "--quiet", "--no-cache",
           "--demag-kernel", kernel, "--outdir", str(outdir)]  # fmt: skip
    t0 = time.time()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=path.parent)
    except subprocess.TimeoutExpired:
        return "timeout", time.time() - t0, f"over {timeout:g} s"
    dt = time.time() - t0
    if p.returncode == 0:
        return "pass", dt, ""
    msg = (p.stderr.strip().splitlines() or ["?"])[-1]
    status = "expect" if "expectation failed" in msg else "error"
    return status, dt, msg


def _blank_comments(src: str) -> str:
    """`src` with its comments replaced by spaces (offsets kept)."""
    return re.sub(r"/\*.*?\*/|//[^\n]*", lambda m: re.sub(r"[^\n]", " ", m.group()), src,
                  flags=re.S)  # fmt: skip


def has_expect(path: Path) -> bool:
    """Whether the script calls expect/expectv outside comments (any case)."""
    return re.search(r"\bexpectv?\s*\(", _blank_comments(path.read_text()), re.I) is not None


def _negated(path: Path, folder: Path) -> Path | None:
    """A copy of `path` with the first expectation's tolerance set to -1 (None if no
    expectation could be found outside comments)."""
    src = path.read_text()
    m = _EXPECT.search(_blank_comments(src))
    if m is None:
        return None
    out = folder / path.name
    out.write_text(src[: m.start(2)] + " -1" + src[m.end(2) :])
    return out


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scripts", type=Path, help="a folder of .mx3 scripts (mumax3's test/)")
    ap.add_argument("--quick", action="store_true", help="jaxmag's own scripts only")
    ap.add_argument("--demag-kernel", choices=("newell", "mumax3"), default="newell")
    ap.add_argument("--timeout", type=float, default=600.0, help="s per script")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--out", type=Path, help="CSV of the results, one row per script")
    args = ap.parse_args(argv)
    folder = OWN if args.quick or args.scripts is None else args.scripts
    if not folder.is_dir():
        ap.error(f"--scripts {folder}: no such folder")
    scripts = sorted(p for p in folder.glob("*.mx3") if has_expect(p))
    if not scripts:
        ap.error(f"no .mx3 script with expect() in {folder}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)

        def one(p):
            return p, _run(p, args.demag_kernel, args.timeout, tmp / (p.stem + ".out"))

        with ThreadPoolExecutor(args.jobs) as ex:
            results = dict(ex.map(one, scripts))
        passed = [p for p, (s, _, _) in results.items() if s == "pass"]
        neg_dir = tmp / "negated"
        neg_dir.mkdir()

        def negated(p):
            q = _negated(p, neg_dir)
            if q is None:
                return p, "no expectation found"
            s, _, _ = _run(q, args.demag_kernel, args.timeout, tmp / (p.stem + ".neg.out"))
            return p, s

        with ThreadPoolExecutor(args.jobs) as ex:
            neg = dict(ex.map(negated, passed))
    for p, (s, dt, msg) in sorted(results.items()):
        print(f"{p.name:40s} {s:8s} {dt:7.1f} s  {msg[:140]}")
    bad_neg = sorted(p.name for p, s in neg.items() if s == "pass")
    if args.out is not None:
        with open(args.out, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["script", "status", "seconds", "message"])
            for p, (s, dt, msg) in sorted(results.items()):
                w.writerow([p.name, s, f"{dt:.1f}", msg])
    counts = {}
    for s, _, _ in results.values():
        counts[s] = counts.get(s, 0) + 1
    figures = {
        "folder": str(folder),
        "demag_kernel": args.demag_kernel,
        "scripts_with_expect": len(scripts),
        "passed": len(passed),
        "pass_rate": len(passed) / len(scripts),
        "by_status": counts,
        "negated_copies_run": len(neg),
        "negated_copies_that_passed": bad_neg,
        "passed_scripts": sorted(p.name for p in passed),
    }
    emit(figures)
    return figures


if __name__ == "__main__":
    main()
