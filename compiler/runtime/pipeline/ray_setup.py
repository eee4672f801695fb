# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/ray_setup.py
"""What the Ray pipelines of predict (pipeline/predict_ray.py) share: their own
options, starting Ray, and a window of rows through the workers."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def split_options(argv, batch: int) -> tuple[dict, list[str]]:
    """({address, window, batch, workers} from --ray-address, --ray-window,
    --ray-batch (default ``batch``) and --ray-workers; the other arguments, for
    pipeline.predict)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    own = {
        "--ray-address": None,
        "--ray-window": "4096",
        "--ray-batch": str(batch),
        "--ray-workers": "2",
    }
    rest = []
    while argv:
        arg = argv.pop(0)
        if arg in own and argv:
            own[arg] = argv.pop(0)
        else:
            rest.append(arg)
    options = {name[len("--ray-") :]: value for name, value in own.items()}
    for name in ("window", "batch", "workers"):
        options[name] = int(options[name])
    return options, rest


def start(address: str | None) -> None:
    """Connect to Ray (without ``address``: a local cluster started on this machine),
    its datasets kept in order and without progress bars."""
    import ray

    if not ray.is_initialized():
        ray.init(
            address=address,
            include_dashboard=False,
            log_to_driver=False,
            # The workers import this project's pipeline package.
            runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}},
        )
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    context.enable_progress_bars = False


def answered(rows: list[dict], worker, options: dict, batch: int, workers: int):
    """``rows`` as ``worker`` (a Ray Data callable class, built with ``options`` on each
    of ``workers`` actors) returns them, ``batch`` rows at a time, in the rows' order."""
    import ray

    dataset = ray.data.from_items(rows).map_batches(
        worker,
        fn_constructor_kwargs={"options": options},
        batch_size=batch,
        concurrency=workers,
        batch_format="numpy",
    )
    return dataset.iter_rows()
