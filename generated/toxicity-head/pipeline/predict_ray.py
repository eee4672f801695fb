# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/predict_ray.py
"""make predict on a Ray cluster: pipeline/predict.py with the engine's work spread
over Ray Data workers (more than one machine).

    python -m pipeline.predict_ray INPUT [the options of pipeline.predict]
        [--ray-address ADDRESS] [--ray-window N] [--ray-batch N] [--ray-workers N]

Everything but the answering is pipeline/predict.py's: the same input checks,
rejects, output files (byte for byte), checkpoints and resume. Rows go to Ray in
windows of --ray-window rows (a window is a dataset of {seq, messages}); each worker
answers a batch of --ray-batch rows with the same engine as predict (for a server:
pipeline/inference.py's client, --concurrency requests in flight per worker; for vllm:
one vLLM engine per worker), and the answers come back in input order
(``preserve_order``), so the files are written exactly as a single machine writes
them. With no --ray-address, Ray starts a local cluster on this machine.

Ray's own ``ray.data.llm`` processors are not used: its HTTP processor needs aiohttp
and leaves retries, the API key and the answer format to each caller, and its vLLM
processor needs CUDA; map_batches with predict's engine gives the same answers as the
single-machine run, which is what the tests check.
"""

import json
import sys
from dataclasses import asdict
from pathlib import Path

from . import engine, ray_setup
from . import predict as single
from .corpus import blocks
from .inference import Options


class Answerer:
    """A Ray Data worker: answers a batch of {seq, messages} with predict's engine."""

    def __init__(self, options: dict):
        fields = {
            **options,
            "cache": None,
            "adapter": options["adapter"] and Path(options["adapter"]),
        }
        self.opts = Options(**fields)

    def __call__(self, batch: dict) -> dict:
        items = [
            {"seq": int(seq), "messages": json.loads(messages)}
            for seq, messages in zip(batch["seq"], batch["messages"], strict=True)
        ]
        outputs, finishes, tokens = [], [], []
        for _, answer in engine.stream(items, self.opts):
            outputs.append(answer.get("output") or "")
            finishes.append(answer.get("finish") or "")
            tokens.append(int(answer.get("tokens") or 0))
        return {"seq": batch["seq"], "output": outputs, "finish": finishes, "tokens": tokens}


def ray_stream(window: int, batch: int, workers: int, address: str | None):
    def stream(items, opts: Options):
        ray_setup.start(address)
        options = {**asdict(opts), "adapter": opts.adapter and str(opts.adapter)}
        for chunk in blocks(items, window):
            yield from _window(chunk, options, batch, workers)

    return stream


def _window(chunk: list, options: dict, batch: int, workers: int):
    rows = [{"seq": i, "messages": json.dumps(item["messages"])} for i, item in enumerate(chunk)]
    for row in ray_setup.answered(rows, Answerer, options, batch, workers):
        item = chunk[int(row["seq"])]
        yield (
            item,
            {
                "output": str(row["output"]),
                "finish": str(row["finish"]),
                "tokens": int(row["tokens"]),
            },
        )


def main(argv=None) -> int:
    ray, rest = ray_setup.split_options(argv, batch=256)
    stream = ray_stream(ray["window"], ray["batch"], ray["workers"], ray["address"])
    return single.main(rest, stream=stream, description=__doc__.splitlines()[0])


if __name__ == "__main__":
    sys.exit(main())
