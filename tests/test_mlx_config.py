"""The generated mlx-lm config against mlx-lm's own source, and the training translation."""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys

import yaml

from distillgen.backends import mlx_config

from .conftest import FIXTURES, ROOT, build_into, load_generated


def mlx_known_keys() -> set[str]:
    from mlx_lm import lora

    parser = lora.build_parser()
    return set(lora.CONFIG_DEFAULTS) | {a.dest for a in parser._actions}


def test_every_generated_key_is_one_mlx_lm_reads():
    config = yaml.safe_load((ROOT / "generated/poetry/configs/mlx_lora.yaml").read_text())
    unknown = set(config) - mlx_known_keys()
    assert not unknown, f"mlx-lm would silently ignore {unknown}"
    assert set(config["lora_parameters"]) == {"rank", "scale", "dropout"}


def test_poetry_translation():
    config = yaml.safe_load((ROOT / "generated/poetry/configs/mlx_lora.yaml").read_text())
    assert config["lora_parameters"] == {"rank": 16, "scale": 2.0, "dropout": 0.05}
    assert config["num_layers"] == 16
    assert config["iters"] == 1000 and config["batch_size"] == 4
    assert config["mask_prompt"] is True
    assert config["lr_schedule"]["warmup"] == 100
    assert config["max_seq_length"] == 2048


def test_schedule_builds_in_mlx():
    from mlx_lm.tuner.utils import build_schedule

    t = {
        "lora": {"rank": 8, "alpha": 16, "dropout": 0.0, "layers": "all"},
        "steps": 50,
        "epochs": None,
        "batch_size": 2,
        "grad_accumulation": 4,
        "learning_rate": 1e-3,
        "warmup_steps": 10,
        "lr_schedule": "cosine",
        "eval_every": 5,
        "save_every": 10,
        "seed": 1,
        "grad_checkpoint": False,
    }
    config, rows = mlx_config(t, {"base": "m", "max_seq_length": 64}, "d", "a")
    assert config["iters"] == 200  # 50 optimizer steps x 4 micro-batches
    assert config["steps_per_eval"] == 20 and config["save_every"] == 40
    assert config["num_layers"] == -1
    assert config["lora_parameters"]["scale"] == 2.0
    schedule = build_schedule(config["lr_schedule"])
    assert float(schedule(0)) == 0.0
    assert math.isclose(float(schedule(10)), 1e-3, rel_tol=1e-5)
    assert float(schedule(50)) < 1e-5
    assert any(r.backend_key == "lora_parameters.scale" for r in rows)


def test_epochs_become_iterations_from_the_train_split(tmp_path):
    base = tmp_path / "spec"
    shutil.copytree(FIXTURES / "mini", base)
    text = (base / "mini.yaml").read_text()
    text = text.replace(
        "  steps: 10\n", "  epochs: 3\n  grad_accumulation: 2\n  lr_schedule: cosine\n"
    )
    (base / "mini.yaml").write_text(text)
    out = tmp_path / "project"
    build_into(base / "mini.yaml", out)
    static = yaml.safe_load((out / "configs" / "mlx_lora.yaml").read_text())
    assert "iters" not in static
    data = out / "work" / "data"
    data.mkdir(parents=True)
    (data / "train.jsonl").write_text("{}\n")
    (data / "stats.json").write_text(json.dumps({"splits": {"train": {"examples": 17}}}))
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline.train", "--dry-run"],
        cwd=out,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    # ceil(17 / (2 x 2)) = 5 updates per epoch, x 3 epochs = 15 updates = 30 micro-batches
    assert "-> 15 optimizer steps" in proc.stdout
    resolved = yaml.safe_load((out / "work" / "mlx_lora.resolved.yaml").read_text())
    assert resolved["iters"] == 30
    assert resolved["lr_schedule"]["arguments"][1] == 15
    assert "work/mlx_lora.resolved.yaml" in proc.stdout


def test_adam_steps_the_learning_rate_as_peft_does():
    """mlx's Adam defaults to no bias correction, which makes its first updates 3.16x (step 1)
    to 6.5x (step 10) the learning rate, still 2.6x at step 160: a spec's learning rate that
    peft (torch AdamW) trains with could not teach on mlx (issue 16). The generated config
    must build, through mlx-lm's own defaults and optimizer choice, an Adam whose update under
    a constant gradient is exactly the learning rate, as torch's is."""
    import mlx.core as mx
    import mlx.optimizers as optim
    import torch
    from mlx_lm import lora

    config = yaml.safe_load((ROOT / "generated/poetry/configs/mlx_lora.yaml").read_text())
    args = {**lora.CONFIG_DEFAULTS, **config}  # as mlx_lm.lora.main merges them
    name = args["optimizer"].lower()
    assert name == "adam"
    lr = 1e-3
    opt = optim.Adam(learning_rate=lr, **args["optimizer_config"].get(name, {}))
    grad = {"w": mx.array([0.5, -2.0, 1e-3])}
    params = {"w": mx.zeros(3)}
    w = torch.nn.Parameter(torch.zeros(3))
    reference = torch.optim.AdamW([w], lr=lr, weight_decay=0.0)  # the Trainer's optimizer
    for _ in range(10):
        params = opt.apply_gradients(grad, params)
        w.grad = torch.tensor([0.5, -2.0, 1e-3])
        reference.step()
    got = [float(x) for x in params["w"].tolist()]
    want = w.detach().tolist()
    assert all(math.isclose(a, b, rel_tol=1e-4) for a, b in zip(got, want, strict=True)), (
        got,
        want,
    )
    assert math.isclose(got[0], -10 * lr, rel_tol=1e-4)


def test_mlx_train_step_clips_the_gradient_as_the_trainer_does():
    """mlx-lm cannot clip the gradient; peft's Trainer clips its norm at 1.0. Without it the
    issue-16 keyword task sat at chance on mlx for most of its run (the early, large
    gradients of the answer's form fill Adam's second moment), while peft learned it. The
    mlx project's train step gives mlx-lm an Adam that clips first: its updates must be
    torch's AdamW after clip_grad_norm_(1.0), for gradients above and below the norm."""
    import mlx.core as mx
    import mlx.optimizers as optim
    import torch
    from mlx_lm import lora

    train = load_generated(ROOT / "generated/poetry", ("schema", "train"))["train"]
    config = yaml.safe_load((ROOT / "generated/poetry/configs/mlx_lora.yaml").read_text())
    args = {**lora.CONFIG_DEFAULTS, **config}
    namespace = train.clipping(optim)
    assert namespace.AdamW is optim.AdamW and namespace.cosine_decay is optim.cosine_decay
    opt = namespace.Adam(learning_rate=1e-2, **args["optimizer_config"]["adam"])
    params = {"a": mx.zeros(2), "b": mx.zeros(1)}
    a, b = torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(1))
    reference = torch.optim.AdamW([a, b], lr=1e-2, weight_decay=0.0)
    for grads in ([3.0, -4.0, 12.0], [0.1, 0.2, -0.2], [30.0, 0.0, 40.0], [0.3, -0.1, 0.0]):
        params = opt.apply_gradients({"a": mx.array(grads[:2]), "b": mx.array(grads[2:])}, params)
        a.grad, b.grad = torch.tensor(grads[:2]), torch.tensor(grads[2:])
        torch.nn.utils.clip_grad_norm_([a, b], 1.0)
        reference.step()
    got = params["a"].tolist() + params["b"].tolist()
    want = a.detach().tolist() + b.detach().tolist()
    assert all(
        math.isclose(x, y, rel_tol=1e-4, abs_tol=1e-7) for x, y in zip(got, want, strict=True)
    ), (
        got,
        want,
    )
