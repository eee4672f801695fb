#!/usr/bin/env bash
# The GPU proof in one go: a generated peft project trains and generates on CUDA, measured
# (bench/gpu.py says what each stage does and how MFU is counted).
#
#   bash bench/gpu.sh --prepare   # development machine: .gpu-prep/ (compiled project and
#                                 # its QLoRA twin, tokenizer, 600 seed 000-shaped
#                                 # examples; about 5 MB) and .whl/ (the project's pinned
#                                 # transformers and a slimmed bitsandbytes; about 19 MB)
#   bash bench/gpu.sh             # GPU machine, with .gpu-prep carried: figures in $OUT
#   bash bench/gpu.sh --dry-run   # CPU: prepare + every stage with a tiny model, into $OUT
#   bash bench/gpu.sh --diag      # GPU machine: bench/gpu_diag.py (prefill, decode, LoRA
#                                 # step parts) into $OUT/diag.json, with the same wheels
#
# Options: --limit SECONDS (default 450: everything stops cleanly by then, with what was
# measured so far in $OUT/gpu.json and gpu.md), --shape 8b|3b|1b (default 8b: Llama 3 8B),
# --max-new-tokens N. Environment: PYTHON (default python3), OUT (default bench/out/gpu).
# The GPU run needs no distillgen: it runs the generated project's own steps with the
# machine's torch and peft, and the carried .whl/ (the project's transformers pin, which
# decodes a padded batch without repeating the KV heads; bitsandbytes). Safe to run twice: each run
# works on a fresh copy of the prepared project; the random model is kept in
# /tmp/distillgen-gpu/cache and reused by a rerun on the same machine.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 2
PY="${PYTHON:-python3}"
OUT="${OUT:-$ROOT/bench/out/gpu}"
MODE=gpu
LIMIT=450
PASS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --dry-run) MODE=dry ;;
        --diag) MODE=diag ;;
        --prepare) MODE=prepare ;;
        --limit) LIMIT="$2"; shift ;;
        --shape|--max-new-tokens) PASS+=("$1" "$2"); shift ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
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
        # The wheels the GPU machine lacks (it has no package index): the project's pinned
        # transformers and bitsandbytes for the qlora stage. Without them the run says so.
        "$PY" bench/gpu.py wheels --prep "$ROOT/.gpu-prep" --dest "$ROOT/.whl" \
            || echo "gpu.sh: wheels not prepared: the run uses the machine's transformers and skips qlora" >&2
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
# Wheels carried in .whl/ (transformers, bitsandbytes) go into a private folder on the path.
if ls "$ROOT"/.whl/*.whl >/dev/null 2>&1; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/distillgen-site "$ROOT"/.whl/*.whl \
        && export PYTHONPATH="/tmp/distillgen-site${PYTHONPATH:+:$PYTHONPATH}"
fi
if [ "$MODE" = diag ]; then  # bench/gpu_diag.py: generation and training split into parts
    timeout -k 10 $((${LIMIT%.*} + 30)) "$PY" bench/gpu_diag.py --out "$OUT/diag.json"
    exit $?
fi
BASE="${DG_GPU_BASE:-/tmp/distillgen-gpu}"
mkdir -p "$BASE"
DG_GPU_CACHE="$BASE/cache" timeout -k 15 $((${LIMIT%.*} + 60)) "$PY" bench/gpu.py run \
    --prep "$ROOT/.gpu-prep" --work "$BASE/run" --out "$OUT" --limit "$LIMIT" "${PASS[@]}"
code=$?
[ $code -eq 124 ] && echo "gpu.sh: killed at the hard limit; $OUT/gpu.json holds the stages that ended" >&2
exit $code
