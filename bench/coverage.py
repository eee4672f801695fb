"""Line coverage of generated projects' own modules under their own tests plus their smoke.

    python bench/coverage.py [SPEC ...] [--out bench/out/coverage.md] [--keep DIR]

For each spec (default: every golden variant that trains on CPU), `distillgen smoke` runs
under coverage with subprocesses and worker processes measured (the smoke runs the
project's data, train, eval, accept, export, parity (mlx: the exported model served by
mlx_lm server), predict and its own pytest suite as separate processes), and
the lines of the project's pipeline/ modules that ran are reported per module. A module
with many unrun lines is code the spec may not reach: look at it.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# (spec, extra smoke arguments): the golden variants a CPU can smoke end to end.
VARIANTS = [
    ("specs/poetry.yaml", []),
    ("specs/poetry.yaml", ["--backend", "peft"]),
    ("specs/toxicity.yaml", []),
    ("specs/uplifting.yaml", []),
    ("specs/uplifting.yaml", ["--route", "head"]),
    ("specs/support_distill.yaml", []),
    ("specs/gaea_style.yaml", []),
]


def measure(spec: str, extra: list[str], work: Path, keep_json: Path | None = None) -> dict:
    rc = work / "rc"
    data = work / ".coverage"
    rc.write_text(
        "[run]\npatch = subprocess\nparallel = true\n"
        "concurrency = multiprocessing,thread\n"
        f"data_file = {data}\ninclude = */project/pipeline/*.py\n",
        encoding="utf-8",
    )
    keep = work / "smoke"
    command = [sys.executable, "-m", "coverage", "run", f"--rcfile={rc}", "-m", "distillgen"]
    proc = subprocess.run(
        [*command, "smoke", spec, *extra, "--keep", str(keep)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    subprocess.run([sys.executable, "-m", "coverage", "combine", f"--rcfile={rc}", "-q"], cwd=work)
    out = work / "coverage.json"
    subprocess.run(
        [sys.executable, "-m", "coverage", "json", f"--rcfile={rc}", "-o", str(out), "-q"],
        cwd=work,
        check=True,
    )
    if keep_json is not None:
        keep_json.parent.mkdir(parents=True, exist_ok=True)
        keep_json.write_bytes(out.read_bytes())
    files = json.loads(out.read_text(encoding="utf-8"))["files"]
    modules = {
        Path(path).name: (entry["summary"]["num_statements"], entry["summary"]["missing_lines"])
        for path, entry in files.items()
    }
    return {"smoke_passed": proc.returncode == 0, "modules": modules}


def table(name: str, result: dict) -> list[str]:
    total = sum(n for n, _ in result["modules"].values())
    missed = sum(m for _, m in result["modules"].values())
    lines = [
        f"### {name}: {(total - missed) / total:.0%} of {total} lines"
        + ("" if result["smoke_passed"] else " (the smoke FAILED)"),
        "",
        "| module | lines | run |",
        "| --- | --- | --- |",
    ]
    for module, (n, m) in sorted(result["modules"].items()):
        if n:
            lines.append(f"| `{module}` | {n} | {(n - m) / n:.0%} |")
    return lines + [""]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("specs", nargs="*", help="spec paths (default: the golden variants)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "coverage.md")
    parser.add_argument(
        "--keep",
        type=Path,
        help="keep each variant's coverage.json (its missing lines, per file) in this folder",
    )
    args = parser.parse_args(argv)
    variants = [(s, []) for s in args.specs] or VARIANTS
    lines = []
    for spec, extra in variants:
        name = Path(spec).stem + "".join(f"-{a}" for a in extra if not a.startswith("--"))
        with tempfile.TemporaryDirectory(prefix="distillgen-cov-") as tmp:
            kept = args.keep / f"{name}.json" if args.keep else None
            result = measure(spec, extra, Path(tmp), kept)
        lines += table(name, result)
        print("\n".join(table(name, result)), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
