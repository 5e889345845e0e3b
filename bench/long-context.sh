#!/usr/bin/env bash
# The paper's long-context claims on a shape this machine can run: a synthesized model with the 7B's
# ratio of context to window (W=1024, 16k tokens), 4 layers. Prints decode tok/s at depth 1k and 16k
# and prefill tok/s of 16k tokens, with the window on and off (--sliding-window 0), per device.
# Usage: bench/long-context.sh [device ...]   (default: java opencl)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
m="${MODEL:-/tmp/mistral-long-w1024.gguf}"
[ -f "$m" ] || "$root/bin/mistral" synth --preset mistral-7b-v0.1 --type Q8_0 --out "$m" --dim 256 --heads 8 --kv-heads 2 \
  --layers 4 --hidden 768 --vocab 2000 --sliding-window 1024 --context 17408 >/dev/null
field() { python3 -c "import json,sys; print('%.1f' % json.load(sys.stdin)['$1'])"; }
printf '%-10s %-8s %14s %14s %8s %16s\n' device window "decode@1k" "decode@16k" ratio "prefill 16k"
for dev in "${@:-java opencl}"; do
  for win in 1024 0; do
    flag=(); [ "$win" = 0 ] && flag=(--sliding-window 0)
    d1=$("$root/bin/mistral" bench --model "$m" --device "$dev" --context 17408 "${flag[@]}" --prompt 16 --gen 512 --repeat "${REPEAT:-5}" --depth 1024 --json 2>/dev/null | field decode_tok_s)
    d16=$("$root/bin/mistral" bench --model "$m" --device "$dev" --context 17408 "${flag[@]}" --prompt 16 --gen 512 --repeat "${REPEAT:-5}" --depth 16384 --json 2>/dev/null | field decode_tok_s)
    p16=$("$root/bin/mistral" bench --model "$m" --device "$dev" --context 17408 "${flag[@]}" --prompt 16384 --gen 1 --repeat 1 --json 2>/dev/null | field prefill_tok_s)
    printf '%-10s %-8s %14s %14s %8s %16s\n' "$dev" "$([ "$win" = 0 ] && echo off || echo "$win")" "$d1" "$d16" \
      "$(python3 -c "print('%.2f' % ($d16 / $d1))")" "$p16"
  done
done
