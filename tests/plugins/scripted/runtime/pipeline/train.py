"""Step 2, train (tests/plugins/scripted): writes what it would train with."""

import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    config = yaml.safe_load((ROOT / "configs" / "scripted.yaml").read_text(encoding="utf-8"))
    out = ROOT / "work" / "adapters"
    out.mkdir(parents=True, exist_ok=True)
    (out / "scripted.json").write_text(json.dumps(config) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
