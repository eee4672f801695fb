# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/publish.py
"""Publish the export (work/export) to the Hugging Face Hub.

    python -m pipeline.publish OWNER/NAME [--dry-run] [--private]

Checks first that work/export is the export as `make export` wrote it (every file that
export.json lists, with its size and sha256, and nothing else but export.json), then
uploads the directory as it is with huggingface_hub's ``upload_folder`` (the token from
$HF_TOKEN or `hf auth login`), creating the model repository if it does not exist.
``--dry-run`` (make publish DRY_RUN=1) sends nothing: it prints the exact file tree
that would be uploaded and the model card, and writes both to
work/publish/dry-run.json. Exit status: 0 done, 1 refused or failed.
"""

import argparse
import json
import re
import sys
from pathlib import Path

from . import schema
from .export import EXPORT, ROOT, file_table

DRY_RUN = ROOT / "work" / "publish" / "dry-run.json"
REPO_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}")


def check_repo(repo: str) -> None:
    if not REPO_ID.fullmatch(repo or "") or ".." in repo or repo.endswith((".", "-")):
        raise SystemExit(
            f"publish: {repo!r} is not a Hub repository id: give it as OWNER/NAME "
            "(letters, digits, '-', '_', '.'), e.g. make publish REPO=my-org/poetry-lora"
        )


def tree(export: Path = EXPORT) -> dict:
    """The files to upload (relative path -> bytes, sha256), checked against export.json."""
    record_path = export / "export.json"
    if not record_path.is_file():
        raise SystemExit(
            f"publish: {export.relative_to(ROOT)} has no export: run make export first"
        )
    record = json.loads(record_path.read_text(encoding="utf-8"))
    everything = file_table(export)
    found = {k: v for k, v in everything.items() if k != "export.json"}
    if found != record["files"]:
        changed = sorted(
            set(found) ^ set(record["files"])
            | {k for k in set(found) & set(record["files"]) if found[k] != record["files"][k]}
        )
        raise SystemExit(
            f"publish: {export.relative_to(ROOT)} is not the export that make export wrote "
            f"(changed, added or missing: {', '.join(changed[:10])}); run make export again"
        )
    return everything


def publish(repo: str, dry_run: bool, private: bool, export: Path = EXPORT) -> dict:
    check_repo(repo)
    files = tree(export)
    card = (export / "README.md").read_text(encoding="utf-8")
    plan = {"repo_id": repo, "repo_type": "model", "private": private, "files": files}
    if dry_run:
        DRY_RUN.parent.mkdir(parents=True, exist_ok=True)
        DRY_RUN.write_text(json.dumps({**plan, "card": card}, indent=2) + "\n", encoding="utf-8")
        return plan
    from huggingface_hub import HfApi

    api = HfApi()
    api.create_repo(repo_id=repo, repo_type="model", private=private, exist_ok=True)
    commit = api.upload_folder(
        folder_path=str(export),
        repo_id=repo,
        repo_type="model",
        commit_message=f"{schema.PROJECT}: the model make export wrote (distillgen)",
    )
    plan["commit"] = str(commit)
    return plan


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repo", help="the Hub repository, OWNER/NAME")
    parser.add_argument("--dry-run", action="store_true", help="send nothing; show what would be")
    parser.add_argument("--private", action="store_true", help="create the repository private")
    args = parser.parse_args(argv)
    try:
        plan = publish(args.repo, args.dry_run, args.private)
    except SystemExit as exc:
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
            return 1
        raise
    verb = "would upload" if args.dry_run else "uploaded"
    total = sum(f["bytes"] for f in plan["files"].values())
    print(f"publish: {verb} {len(plan['files'])} files ({total} bytes) to {args.repo}:")
    for path, entry in plan["files"].items():
        print(f"  {path}  {entry['bytes']}  sha256:{entry['sha256']}")
    if args.dry_run:
        print(f"publish: dry run, nothing sent; the plan and the card: {DRY_RUN.relative_to(ROOT)}")
        print("----- README.md (the model card) -----")
        print((EXPORT / "README.md").read_text(encoding="utf-8"), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
