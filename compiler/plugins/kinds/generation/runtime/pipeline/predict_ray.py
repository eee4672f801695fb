# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/plugins/kinds/generation/runtime/pipeline/predict_ray.py
"""make predict RAY=1: pipeline/predict.py with the continuing spread over Ray Data
workers (more than one machine).

    python -m pipeline.predict_ray [INPUT] [the options of pipeline.predict]
        [--ray-address ADDRESS] [--ray-window N] [--ray-batch N] [--ray-workers N]

Everything but the answering is pipeline/predict.py's: the same prompt checks,
rejects, output files (byte for byte), checkpoints and resume. Rows go to Ray in
windows of --ray-window rows; each worker continues a batch of --ray-batch rows with
predict's engine (local: the model and adapter on the worker's machine; server:
--concurrency requests in flight per worker; vllm: one engine per worker), each row's
samples seeded with the seed plus the row's index in the input as on one machine,
and the answers come back in input order (``preserve_order``), so the files are
written exactly as a single machine writes them. With no --ray-address, Ray starts a
local cluster on this machine.
"""

import argparse
import json
import sys

from . import predict as single
from . import ray_setup
from .corpus import blocks


class Continuer:
    """A Ray Data worker: continues a batch of {seq, prompt} with predict's engine."""

    def __init__(self, options: dict):
        args = argparse.Namespace(**options)  # predict's arguments
        if args.engine == "local":
            from . import textgen

            model, tokenizer = textgen.load_model(args.adapter, args.model)
            self.stream = single.local_stream(args, model, tokenizer)
        elif args.engine == "server":
            self.stream = single.server_stream(args, None)  # answers cached in memory
        else:
            self.stream = single.vllm_stream(args)

    def __call__(self, batch: dict) -> dict:
        items = [
            {"seq": int(seq), "prompt": str(prompt)}
            for seq, prompt in zip(batch["seq"], batch["prompt"], strict=True)
        ]
        answers = [json.dumps(answer) for _, answer in self.stream(items)]
        return {"index": batch["index"], "answer": answers}


def ray_stream(window: int, batch: int, workers: int, address: str | None):
    def remote(args):
        options = vars(args)

        def stream(items):
            ray_setup.start(address)
            for chunk in blocks(items, window):
                yield from _window(chunk, options, batch, workers)

        return stream

    return remote


def _window(chunk: list, options: dict, batch: int, workers: int):
    rows = [
        {"index": i, "seq": item["seq"], "prompt": item["prompt"]} for i, item in enumerate(chunk)
    ]
    for row in ray_setup.answered(rows, Continuer, options, batch, workers):
        yield chunk[int(row["index"])], json.loads(str(row["answer"]))


def main(argv=None) -> int:
    ray, rest = ray_setup.split_options(argv, batch=64)
    remote = ray_stream(ray["window"], ray["batch"], ray["workers"], ray["address"])
    return single.main(rest, remote=remote, description=__doc__.splitlines()[0])


if __name__ == "__main__":
    sys.exit(main())
