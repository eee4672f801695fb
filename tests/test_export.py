"""make export / publish / serve / parity in a transformers + peft project, on the tiny
model, without training: the adapter is drawn at random (peft's init_lora_weights=False),
so that base + adapter answers differently from the base model. The server is a
transformers-backed stand-in for vLLM on 127.0.0.1 (tests/hf_server.py). The mlx path,
with mlx_lm.server, is tested end to end in tests/test_smoke.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT, build_into, load_generated
from tests.hf_server import HFServer

POETRY = ROOT / "specs" / "poetry.yaml"


def run(project, *args, check=None):
    env = {**os.environ, "PYTHONPATH": "", "OPENAI_API_KEY": "none", "HF_HUB_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", *map(str, args)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check is not None:
        assert proc.returncode == check, proc.stdout + proc.stderr
    return proc


@pytest.fixture(scope="module")
def project(tmp_path_factory, tiny_model):
    """A peft project that has data, an adapter, eval's answers and accept's FAIL."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from distillgen.ir import Overrides

    out = tmp_path_factory.mktemp("export") / "poetry"
    build_into(
        POETRY, out, Overrides(model_base=str(tiny_model), backend="peft", max_new_tokens=16)
    )
    run(out, "pipeline.data", check=0)
    import torch

    torch.manual_seed(0)
    base = AutoModelForCausalLM.from_pretrained(str(tiny_model))
    config = LoraConfig(r=8, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    get_peft_model(base, config).save_pretrained(str(out / "work" / "adapters"))
    run(out, "pipeline.evaluate", "generate", check=0)
    run(out, "pipeline.evaluate", "score", check=0)
    run(out, "pipeline.accept", check=4)  # an untrained model: FAIL
    return out


@pytest.fixture(scope="module")
def exported(project):
    """The refusals first (nothing written), then the forced export."""
    refused = run(project, "pipeline.export", check=1)
    assert "export: refused: make accept decided FAIL, not PASS" in refused.stderr
    assert "FORCE=1" in refused.stderr
    gguf = run(project, "pipeline.export", "--force", "--gguf", check=1)
    assert "transformers + peft cannot write GGUF" in gguf.stderr
    assert "convert_hf_to_gguf.py" in gguf.stderr
    assert not (project / "work" / "export").exists()
    assert not (project / "work" / "export.partial").exists()
    done = run(project, "pipeline.export", "--force", check=0)
    assert "FORCED past: make accept decided FAIL" in done.stdout
    return project / "work" / "export"


def test_forced_export_is_recorded_with_the_card_and_file_table(exported):
    mods = load_generated(exported.parent.parent, ("schema", "export"))
    record = json.loads((exported / "export.json").read_text())
    assert record["forced"] is True and record["decision"] == "FAIL"
    assert record["problems"] == ["make accept decided FAIL, not PASS"]
    assert record["files"] == {
        k: v for k, v in mods["export"].file_table(exported).items() if k != "export.json"
    }
    for name in (
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "adapter/adapter_config.json",
        "adapter/adapter_model.safetensors",
        "distillgen/stats.json",
        "distillgen/metrics.json",
        "distillgen/accept.json",
        "README.md",
    ):
        assert name in record["files"], name
    card = (exported / "README.md").read_text()
    assert card.startswith('---\nlibrary_name: "transformers"\n')
    assert "base_model:" not in card  # a local path is no Hub id
    assert "## Acceptance: FAIL" in card
    assert "**Exported without acceptance** (make export FORCE=1)" in card
    assert "| mean_field_accuracy |" in card and "## Baselines" in card
    assert "| valid |" in card and "54 rows read, 54 accepted, 0 rejected" in card
    assert "| period | categorical |" in card and "```jinja" in card
    assert "the merged model answers held-out prompts as base + adapter does" in card


def test_stale_acceptance_or_model_is_refused(project, exported):
    accept = project / "work" / "accept" / "accept.json"
    metrics = project / "work" / "eval" / "metrics.json"
    saved = accept.read_text()
    try:
        accept.write_text(json.dumps({**json.loads(saved), "decision": "PASS"}))
        now = time.time()
        os.utime(metrics, (now, now))
        os.utime(accept, (now - 60, now - 60))
        stale = run(project, "pipeline.export", check=1)
        assert "eval ran again after make accept" in stale.stderr
        assert "decided" not in stale.stderr  # PASS is not the problem
        os.utime(accept, (now + 60, now + 60))
        adapter = project / "work" / "adapters" / "adapter_model.safetensors"
        os.utime(adapter, (now + 120, now + 120))
        newer = run(project, "pipeline.export", check=1)
        assert "the adapter changed after the last eval" in newer.stderr
    finally:
        accept.write_text(saved)
    assert json.loads((exported / "export.json").read_text())["forced"]  # left as it was


def test_publish_dry_run_shows_the_exact_tree_and_card(project, exported):
    record = json.loads((exported / "export.json").read_text())
    dry = run(project, "pipeline.publish", "my-org/poetry-lora", "--dry-run", check=0)
    listed = [line.split()[0] for line in dry.stdout.splitlines() if line.startswith("  ")]
    assert listed == sorted([*record["files"], "export.json"])
    assert "dry run, nothing sent" in dry.stdout
    assert (exported / "README.md").read_text() in dry.stdout
    plan = json.loads((project / "work" / "publish" / "dry-run.json").read_text())
    assert (
        plan["repo_id"] == "my-org/poetry-lora"
        and plan["card"] == (exported / "README.md").read_text()
    )
    assert list(plan["files"]) == listed
    bad = run(project, "pipeline.publish", "not a repo", "--dry-run", check=1)
    assert "is not a Hub repository id: give it as OWNER/NAME" in bad.stderr
    stats = exported / "distillgen" / "stats.json"
    saved = stats.read_bytes()
    try:
        stats.write_bytes(saved + b" ")
        tampered = run(project, "pipeline.publish", "my-org/poetry-lora", "--dry-run", check=1)
        assert "not the export that make export wrote" in tampered.stderr
        assert "distillgen/stats.json" in tampered.stderr
    finally:
        stats.write_bytes(saved)


def test_publish_uploads_the_folder_with_huggingface_hub(project, exported, monkeypatch):
    import huggingface_hub

    calls = []

    class FakeApi:
        def create_repo(self, **kwargs):
            calls.append(("create_repo", kwargs))

        def upload_folder(self, **kwargs):
            calls.append(("upload_folder", kwargs))
            return "commit-1"

    monkeypatch.setattr(huggingface_hub, "HfApi", FakeApi)
    publish = load_generated(project, ("schema", "export", "publish"))["publish"]
    plan = publish.publish("my-org/poetry-lora", dry_run=False, private=True)
    assert calls[0] == (
        "create_repo",
        {"repo_id": "my-org/poetry-lora", "repo_type": "model", "private": True, "exist_ok": True},
    )
    name, kwargs = calls[1]
    assert name == "upload_folder" and kwargs["folder_path"] == str(publish.EXPORT)
    assert kwargs["repo_id"] == "my-org/poetry-lora" and kwargs["repo_type"] == "model"
    assert plan["commit"] == "commit-1"


def test_serve_builds_the_vllm_command(project, exported):
    merged = run(project, "pipeline.serve", "--print", "--port", 8123, check=0)
    command = merged.stdout.split()
    assert command[:3] == ["vllm", "serve", str(exported)]
    assert command[command.index("--served-model-name") + 1] == "poetry"
    assert command[command.index("--generation-config") + 1] == "vllm"
    assert command[command.index("--port") + 1] == "8123"
    adapter = run(project, "pipeline.serve", "--adapter", "--print", check=0).stdout.split()
    assert "--enable-lora" in adapter and adapter[adapter.index("--max-lora-rank") + 1] == "8"
    assert adapter[adapter.index("--lora-modules") + 1] == (
        f"poetry={project / 'work' / 'adapters'}"
    )


def test_parity_passes_only_for_the_evaluated_model_and_template(project, exported):
    schema = load_generated(project, ("schema",))["schema"]
    examples = len((project / "work" / "eval" / "predictions.jsonl").read_text().splitlines())

    def parity(server):
        with server:
            return run(project, "pipeline.parity", "--server", server.url, "--model", "poetry")

    good = parity(HFServer(exported))
    assert good.returncode == 0, good.stdout + good.stderr
    assert f"all {examples} served answers equal eval's, byte for byte" in good.stdout
    assert not (project / "work" / "parity" / "diff.md").exists()
    unmerged = parity(HFServer(schema.MODEL))  # the base model: the adapter left out
    assert unmerged.returncode == 1
    assert "served answers differ from eval's" in unmerged.stderr
    diff = (project / "work" / "parity" / "diff.md").read_text()
    assert "first difference at line 1, column" in diff and "```diff" in diff
    report = json.loads((project / "work" / "parity" / "parity.json").read_text())
    assert report["mismatches"] and report["sample"] == examples
    other = "{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}\n{% endfor %}[assistant] "
    template = parity(HFServer(exported, chat_template=other))
    assert template.returncode == 1, template.stdout


def test_first_difference_is_located(project):
    parity = load_generated(project, ("schema", "parity"))["parity"]
    where = parity.first_difference("a: 1\nb: two\n", "a: 1\nb: too\n")
    assert (where["offset"], where["line"], where["column"]) == (9, 2, 5)
    cut = parity.first_difference("a: 1\nb", "a: 1")  # one is a prefix of the other
    assert (cut["offset"], cut["line"], cut["column"]) == (4, 1, 5)


def test_export_steps_are_where_the_project_can_take_them():
    """Every golden project exports (its backend's weights.py); serve and parity only where
    a server answers the chat prompts (not the regression head), parity only where eval
    answers greedily (not generation, which samples)."""
    gen = ROOT / "generated"
    mlx = ROOT / "compiler" / "plugins" / "backends" / "mlx" / "runtime" / "pipeline"
    shared = ROOT / "compiler" / "runtime" / "pipeline" / "weights.py"
    for name in (
        "poetry",
        "poetry-peft",
        "poetry-axolotl",
        "toxicity",
        "uplifting",
        "support_distill",
        "uplifting-head",
        "gaea_style",
        "gaea_style-axolotl",
    ):
        pipeline = gen / name / "pipeline"
        makefile = (gen / name / "Makefile").read_text()
        backend = load_generated(gen / name, ("schema",))["schema"].BACKEND
        weights = (mlx / "weights.py") if backend == "mlx" else shared
        assert (pipeline / "weights.py").read_bytes() == weights.read_bytes(), name
        for module in ("export", "card", "publish"):
            assert (pipeline / f"{module}.py").is_file(), (name, module)
        assert "\nexport:\n" in makefile and "\npublish:\n" in makefile
        serves = name != "uplifting-head"
        parity = serves and not name.startswith("gaea_style")
        assert (pipeline / "serve.py").is_file() == serves == ("\nserve:\n" in makefile), name
        assert (pipeline / "parity.py").is_file() == parity == ("\nparity:\n" in makefile), name
