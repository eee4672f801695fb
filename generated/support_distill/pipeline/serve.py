# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/serve.py
"""Serve the exported model behind an OpenAI-compatible endpoint.

    python -m pipeline.serve [--adapter] [--host HOST] [--port PORT] [--print]

Starts the backend's server (pipeline/weights.py): mlx-lm's `mlx_lm server` for an mlx
project, vLLM's `vllm serve` for a transformers + peft or Axolotl project; with the
exported model (work/export, make export), or with ``--adapter`` (make serve ADAPTER=1)
the base model and the trained adapter. ``--print`` prints the command and exits.
`make parity` then asks it a sample of the eval split and compares its answers with
eval's. The server runs in the foreground until it is stopped (Ctrl-C). ``started()``
runs it in the background for as long as a check needs it (make parity SERVE=1).
"""

import argparse
import contextlib
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from . import weights

ROOT = Path(__file__).resolve().parent.parent
EXPORT = ROOT / "work" / "export"


def command(adapter: bool, host: str, port: int) -> list[str]:
    if adapter:
        problem = weights.adapter_ready()
        if problem:
            raise SystemExit(f"serve: {problem}")
        return weights.serve_command(None, host, port, adapter=weights.ADAPTERS)
    if not (EXPORT / "export.json").is_file():
        raise SystemExit(
            "serve: work/export has no export: run make export first, or serve the base "
            "model and the adapter with make serve ADAPTER=1"
        )
    return weights.serve_command(EXPORT, host, port)


@contextlib.contextmanager
def started(adapter: bool, log: Path, timeout: float = 300.0):
    """The project's server (as make serve starts it) on a free loopback port, in the
    background, its output in ``log``; yields its URL once /v1/models answers, and stops
    it (its whole process group) on leaving. SystemExit, with the log's end, where it
    cannot start or does not answer within ``timeout`` seconds."""
    problem = weights.check_server_tools()
    if problem:
        raise SystemExit(f"serve: {problem}")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    argv = command(adapter, "127.0.0.1", port)
    url = f"http://127.0.0.1:{port}/v1"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w", encoding="utf-8") as handle:
        server = subprocess.Popen(
            argv, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + timeout
        while True:
            if server.poll() is not None:
                raise SystemExit(f"serve: the server exited ({server.returncode}):\n{_tail(log)}")
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(
                        f"serve: no answer from {url} in {timeout:.0f}s:\n{_tail(log)}"
                    ) from None
                time.sleep(0.5)
        yield url
    finally:  # the whole group, also where the server itself has exited (its workers)
        _signal_group(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            _signal_group(server.pid, signal.SIGKILL)
            server.wait()


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:  # nothing of the group is left
        pass


def _tail(log: Path, lines: int = 15) -> str:
    text = log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
    return "\n".join("    " + line for line in text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", action="store_true", help="base model + adapter")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=weights.DEFAULT_PORT)
    parser.add_argument("--print", action="store_true", help="print the command only")
    args = parser.parse_args(argv)
    try:
        argv_ = command(args.adapter, args.host, args.port)
    except SystemExit as exc:
        print(exc.code, file=sys.stderr)
        return 1
    print(shlex.join(argv_), flush=True)
    if args.print:
        return 0
    problem = weights.check_server_tools()
    if problem:
        print(f"serve: {problem}", file=sys.stderr)
        return 1
    print(
        f"serve: the model answers as {weights.SERVED_MODEL!r} at "
        f"http://{args.host}:{args.port}/v1 (make parity SERVER=http://{args.host}:{args.port})",
        flush=True,
    )
    os.execvp(argv_[0], argv_)
    return 1  # pragma: no cover - execvp does not return


if __name__ == "__main__":
    sys.exit(main())
