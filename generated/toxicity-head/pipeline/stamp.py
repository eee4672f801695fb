# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/stamp.py
"""The data step's stamp: work/data/stats.json. A data run removes it before it writes
anything and writes it last, when every split is in place; so the steps after it refuse
the splits of a run that failed (they may be the run before's) instead of training or
scoring on them in silence."""

from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "work" / "data"
STATS = DATA / "stats.json"


def unfinished(step: str) -> str | None:
    """Why ``step`` cannot read the splits (None: the last data run finished)."""
    if STATS.is_file():
        return None
    if any(DATA.glob("*.jsonl")):
        return (
            f"{step}: the last data step did not finish (work/data/stats.json is missing), so "
            "the splits in work/data may be an older run's; fix what it reported and run "
            "make data again"
        )
    return f"{step}: run the data step first (make data; work/data/stats.json is missing)"
