#!/usr/bin/env bash
# This engine and llama.cpp on the same GGUF files, alternating, so that each ratio compares runs
# minutes apart (a shared host's speed drifts by the hour). Prints one markdown row per file and
# pair: prefill / decode tok/s of both, their ratio, and this engine's load time and peak RSS.
# Raw results (bench --json, llama-bench -o json) go to $OUT (default: a fresh temp directory).
#
# Usage: bench/side-by-side.sh [--pairs N] [--avx2] LLAMA_BENCH FILE...
#   --avx2       run this engine's AVX2 code (-XX:UseAVX=2); pair it with llama.cpp built for AVX2
#   LLAMA_BENCH  path to llama.cpp's llama-bench
# Environment: THREADS (2), PROMPT (128), GEN (32), REPEAT (2), CONTEXT (512), MISTRAL_JAVA_OPTS.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pairs=1 avx2=0
while [ $# -gt 0 ]; do
  case "$1" in
    --pairs) pairs="${2:?--pairs needs a number}"; shift 2 ;;
    --avx2) avx2=1; shift ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "error: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# -ge 2 ] || { echo "usage: bench/side-by-side.sh [--pairs N] [--avx2] LLAMA_BENCH FILE..." >&2; exit 2; }
llama="$1"; shift
[ -x "$llama" ] || { echo "error: $llama is not an executable llama-bench" >&2; exit 2; }
for f in "$@"; do [ -f "$f" ] || { echo "error: $f: no such GGUF file" >&2; exit 2; }; done
[[ "$pairs" =~ ^[1-9][0-9]*$ ]] || { echo "error: --pairs must be a positive number, got $pairs" >&2; exit 2; }
threads="${THREADS:-2}" prompt="${PROMPT:-128}" gen="${GEN:-32}" repeat="${REPEAT:-2}" context="${CONTEXT:-512}"
out="${OUT:-$(mktemp -d)}"; mkdir -p "$out"
opts="${MISTRAL_JAVA_OPTS:-}"; [ "$avx2" = 1 ] && opts="${opts:+$opts }-XX:UseAVX=2"

echo "threads $threads, prompt $prompt, decode $gen, repeat $repeat; JVM options: ${opts:-none}; raw results in $out"
echo
echo "| file | pair | this engine prefill / decode | llama.cpp prefill / decode | ratio prefill / decode | load s | peak RSS GB |"
echo "|---|---|---|---|---|---|---|"
for p in $(seq "$pairs"); do
  for f in "$@"; do
    name="$(basename "$f" .gguf)"
    java_json="$out/$name.pair$p.mistral.json" llama_json="$out/$name.pair$p.llama.json"
    if ! MISTRAL_JAVA_OPTS="$opts" "$root/bin/mistral" bench --model "$f" --prompt "$prompt" --gen "$gen" --repeat "$repeat" \
        --threads "$threads" --context "$context" --json > "$java_json.log" 2>&1; then
      echo "error: bin/mistral bench failed on $f; its output: $java_json.log" >&2; exit 1
    fi
    tail -1 "$java_json.log" > "$java_json"
    if ! "$llama" -m "$f" -p "$prompt" -n "$gen" -t "$threads" -r "$repeat" -o json > "$llama_json" 2> "$llama_json.log"; then
      echo "error: llama-bench failed on $f; its messages: $llama_json.log" >&2; exit 1
    fi
    python3 - "$java_json" "$llama_json" "$name" "$p" <<'PY'
import json, sys
java = json.load(open(sys.argv[1]))
runs = json.load(open(sys.argv[2]))
pp = next(r["avg_ts"] for r in runs if r["n_prompt"] > 0 and r["n_gen"] == 0)
tg = next(r["avg_ts"] for r in runs if r["n_gen"] > 0 and r["n_prompt"] == 0)
jp, jd = java["prefill_tok_s"], java["decode_tok_s"]
print(f"| {sys.argv[3]} | {sys.argv[4]} | {jp:.2f} / {jd:.2f} | {pp:.2f} / {tg:.2f} | {jp / pp:.2f} / {jd / tg:.2f} "
      f"| {java['load_s']:.1f} | {java['peak_rss_bytes'] / 1e9:.2f} |")
PY
  done
done
