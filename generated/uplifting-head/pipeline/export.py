# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/export.py
"""Step 6, export: the accepted model as one directory that can leave this project.

    python -m pipeline.export [--force] [--gguf]

Refused unless `make accept` said PASS for the eval that is on disk now (accept ran
after the last eval, and eval after the last training); ``--force`` (make export
FORCE=1) exports anyway and says so, with the decision and the reason, in the model
card and in export.json. The backend's pipeline/weights.py writes the model: merged
(transformers + peft, Axolotl) or fused (mlx-lm), the adapter beside it in adapter/,
and with ``--gguf`` a GGUF file where the backend's tools can write one (otherwise the
step refuses before it writes anything). Then the model card (README.md: the spec, the
data statistics, the metrics, the baselines and the acceptance decision), copies of
stats.json, metrics.json and accept.json under distillgen/, and export.json (every
file's size and sha256, what `make publish` uploads). Everything is written to a
staging directory and moved to work/export at the end: a failed export leaves the
previous one as it was. Exit status: 0 exported, 1 refused or failed.
"""

import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path

from . import card, schema, weights

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "work"
EXPORT = WORK / "export"
STATS = WORK / "data" / "stats.json"
METRICS = WORK / "eval" / "metrics.json"
ACCEPT = WORK / "accept" / "accept.json"
ADAPTERS = WORK / "adapters"
EVIDENCE = {"stats.json": STATS, "metrics.json": METRICS, "accept.json": ACCEPT}


def _read(path: Path, step: str) -> dict:
    if not path.is_file():
        raise SystemExit(f"export: {path.relative_to(ROOT)} not found: run make {step} first")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise SystemExit(
            f"export: {path.relative_to(ROOT)} is not JSON ({exc}): run make {step} again"
        ) from None


def _newest(folder: Path) -> float:
    return max((p.stat().st_mtime for p in folder.rglob("*") if p.is_file()), default=0.0)


def gate(force: bool) -> dict:
    """The acceptance behind this export: {"decision", "forced", "problems"}. Without
    ``force`` any problem stops the step (SystemExit); with it they are recorded."""
    problem = weights.adapter_ready()
    if problem:
        raise SystemExit(f"export: {problem}")
    for path, step in ((STATS, "data"), (METRICS, "eval"), (ACCEPT, "accept")):
        _read(path, step)
    decision = _read(ACCEPT, "accept").get("decision")
    problems = []
    if decision != "PASS":
        problems.append(f"make accept decided {decision}, not PASS")
    if ACCEPT.stat().st_mtime < METRICS.stat().st_mtime:
        problems.append(
            "eval ran again after make accept: its decision is not this eval's (run make accept)"
        )
    if METRICS.stat().st_mtime < _newest(ADAPTERS):
        problems.append(
            "the adapter changed after the last eval: its metrics are not this model's "
            "(run make eval and make accept)"
        )
    if problems and not force:
        raise SystemExit(
            "export: refused: " + "; ".join(problems) + ". Export only what acceptance passed, "
            "or export anyway with make export FORCE=1 (recorded in the model card)"
        )
    return {"decision": decision, "forced": bool(problems), "problems": problems}


def file_table(folder: Path) -> dict:
    """Relative path -> {"bytes", "sha256"} of every file below ``folder``, sorted."""
    table = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda h=handle: h.read(1 << 20), b""):
                digest.update(block)
        rel = path.relative_to(folder).as_posix()
        table[rel] = {"bytes": path.stat().st_size, "sha256": digest.hexdigest()}
    return table


def spec_identity() -> dict:
    """The spec this project was built from, as its manifest records it."""
    manifest = ROOT / "distillgen-manifest.json"
    if not manifest.is_file():
        return {"spec": None, "spec_sha256": None, "generator": None}
    data = json.loads(manifest.read_text(encoding="utf-8"))
    return {key: data.get(key) for key in ("spec", "spec_sha256", "generator")}


def export(out: Path = EXPORT, force: bool = False, gguf: bool = False) -> dict:
    if gguf and not weights.GGUF_MODEL_TYPES:
        raise SystemExit(f"export: GGUF: {weights.GGUF_WHY_NOT}")
    acceptance = gate(force)
    stage = out.with_name(out.name + ".partial")
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    try:
        notes = weights.write(stage, gguf=gguf)
        evidence = stage / "distillgen"
        evidence.mkdir()
        for name, path in EVIDENCE.items():
            shutil.copy2(path, evidence / name)
        facts = {
            "project": schema.PROJECT,
            "kind": schema.KIND,
            "backend": schema.BACKEND,
            "base_model": schema.MODEL,
            "library": weights.LIBRARY,
            "served_model": weights.SERVED_MODEL,
            "gguf": gguf,
            **spec_identity(),
            **acceptance,
        }
        text = card.render(
            facts,
            json.loads(STATS.read_text(encoding="utf-8")),
            json.loads(METRICS.read_text(encoding="utf-8")),
            json.loads(ACCEPT.read_text(encoding="utf-8")),
            notes,
        )
        (stage / "README.md").write_text(text, encoding="utf-8")
        record = {**facts, "files": file_table(stage)}
        (stage / "export.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    old = out.with_name(out.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    stage.rename(out)
    shutil.rmtree(old, ignore_errors=True)
    return record


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="export without PASS (recorded)")
    parser.add_argument("--gguf", action="store_true", help="also write a GGUF file")
    parser.add_argument("--out", type=Path, default=EXPORT)
    args = parser.parse_args(argv)
    try:
        record = export(args.out, force=args.force, gguf=args.gguf)
    except SystemExit as exc:
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
            return 1
        raise
    size = sum(f["bytes"] for f in record["files"].values())
    print(f"export: wrote {args.out} ({len(record['files']) + 1} files, {size / 1e6:.1f} MB)")
    for problem in record["problems"]:
        print(f"export: FORCED past: {problem} (recorded in README.md and export.json)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
