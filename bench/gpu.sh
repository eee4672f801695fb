#!/usr/bin/env bash
# The GPU proof in one go: a generated peft project trains and generates on CUDA, measured
# (bench/gpu.py says what each stage does and how MFU is counted).
#
#   bash bench/gpu.sh --prepare   # development machine: .gpu-prep/ (compiled project and
#                                 # its QLoRA twin, tokenizer, 600 seed 000-shaped
#                                 # examples; about 5 MB) and .whl/ (bitsandbytes, 43 MB)
#   bash bench/gpu.sh             # GPU machine, with .gpu-prep carried: figures in $OUT
#   bash bench/gpu.sh --dry-run   # CPU: prepare + every stage with a tiny model, into $OUT
#
# Options: --limit SECONDS (default 450: everything stops cleanly by then, with what was
# measured so far in $OUT/gpu.json and gpu.md), --shape 8b|3b|1b (default 8b: Llama 3 8B),
# --max-new-tokens N. Environment: PYTHON (default python3), OUT (default bench/out/gpu).
# The GPU run needs no distillgen and nothing installed: it runs the generated project's
# own steps with the machine's torch, transformers and peft. Safe to run twice: each run
# works on a fresh copy of the prepared project; the random model is kept in
# /tmp/distillgen-gpu/cache and reused by a rerun on the same machine.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 2
PY="${PYTHON:-python3}"
BNB_VERSION=0.50.2
OUT="${OUT:-$ROOT/bench/out/gpu}"
MODE=gpu
LIMIT=450
PASS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --dry-run) MODE=dry ;;
        --prepare) MODE=prepare ;;
        --limit) LIMIT="$2"; shift ;;
        --shape|--max-new-tokens) PASS+=("$1" "$2"); shift ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "gpu.sh: unknown argument $1 (see bash bench/gpu.sh --help)" >&2; exit 2 ;;
    esac
    shift
done
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1

TMP=""
cleanup() { [ -n "$TMP" ] && rm -rf "$TMP"; }
trap cleanup EXIT

# prepare imports the compiler from this checkout (as `distillgen`), not an installed one.
with_compiler() {
    TMP="${TMP:-$(mktemp -d)}"
    mkdir -p "$TMP/pp"
    ln -sfn "$ROOT/compiler" "$TMP/pp/distillgen"
    PYTHONPATH="$TMP/pp${PYTHONPATH:+:$PYTHONPATH}" "$PY" bench/gpu.py prepare "$@"
}

case "$MODE" in
    prepare)
        with_compiler --prep "$ROOT/.gpu-prep" || exit $?
        # bitsandbytes for the qlora stage travels as a wheel (43 MB; the GPU machine has
        # no package index). Without it that stage says so and the others still run.
        if ! ls "$ROOT"/.whl/bitsandbytes-*.whl >/dev/null 2>&1; then
            "$PY" -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
                --implementation cp --platform manylinux_2_24_x86_64 -d "$ROOT/.whl" \
                "bitsandbytes==$BNB_VERSION" \
                || echo "gpu.sh: no bitsandbytes wheel: the qlora stage will be skipped" >&2
        fi
        exit 0
        ;;
    dry)
        TMP="$(mktemp -d)"
        echo "gpu.sh: dry run on CPU (tiny model); prepared and run in $TMP"
        with_compiler --prep "$TMP/prep" --dry-run || exit $?
        timeout -k 15 $((${LIMIT%.*} + 60)) "$PY" bench/gpu.py run --dry-run \
            --prep "$TMP/prep" --work "$TMP/run" --out "$OUT" --limit "$LIMIT" "${PASS[@]}"
        exit $?
        ;;
esac

# On the GPU machine.
echo "gpu.sh: $(date -u +%FT%TZ) on $(hostname); python $("$PY" -c 'import sys; print(sys.version.split()[0])')"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,memory.used,clocks.sm,clocks.max.sm,power.draw,temperature.gpu --format=csv
if [ ! -f "$ROOT/.gpu-prep/manifest.json" ]; then
    echo "gpu.sh: .gpu-prep/ is missing: run 'bash bench/gpu.sh --prepare' on the development machine and carry .gpu-prep" >&2
    exit 2
fi
# Wheels carried in .whl/ (bitsandbytes) go into a private folder on the path.
if ls "$ROOT"/.whl/*.whl >/dev/null 2>&1; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/distillgen-site "$ROOT"/.whl/*.whl \
        && export PYTHONPATH="/tmp/distillgen-site${PYTHONPATH:+:$PYTHONPATH}"
fi
BASE="${DG_GPU_BASE:-/tmp/distillgen-gpu}"
mkdir -p "$BASE"
DG_GPU_CACHE="$BASE/cache" timeout -k 15 $((${LIMIT%.*} + 60)) "$PY" bench/gpu.py run \
    --prep "$ROOT/.gpu-prep" --work "$BASE/run" --out "$OUT" --limit "$LIMIT" "${PASS[@]}"
code=$?
[ $code -eq 124 ] && echo "gpu.sh: killed at the hard limit; $OUT/gpu.json holds the stages that ended" >&2
exit $code
