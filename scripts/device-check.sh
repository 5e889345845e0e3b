#!/usr/bin/env bash
# The GPU check, one command, on a machine with an NVIDIA (or any OpenCL) GPU, no JDK and no network.
# Needs what scripts/prepare-device-check.sh put in .device/ and engine/target/mistral.jar.
# Checks: the GPU is listed; the tiny fixtures through --device opencl match the Java backend and the
# reference (score, greedy); then synthesizes Mistral 7B Q4_0, Q8_0 and Q4_K there and benchmarks them on the
# GPU and, for comparison, on the machine's CPUs. Every step has a time limit so the whole check ends
# inside one device call (about 3 minutes on an H100 machine with CPU_BENCH=0).
# Writes summary.txt, log.txt and details.tgz (every JSON) to $OUT (or ./device-out).
# BIG_PRESET (default mistral-7b-v0.1) and BIG_TYPES (default "Q4_0 Q8_0 Q4_K") shrink it for a dry run;
# CPU_BENCH=0 skips the CPU comparison.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="${OUT:-$root/device-out}"; mkdir -p "$out"
work=$(mktemp -d); trap 'tar -czf "$out/details.tgz" -C "$work" . 2>/dev/null' EXIT
big_preset="${BIG_PRESET:-mistral-7b-v0.1}"
big_types="${BIG_TYPES:-Q4_0 Q8_0 Q4_K}"
log() { echo "== $(date +%T) $*" | tee -a "$out/summary.txt"; }

if ! ldconfig -p | grep -q libOpenCL.so.1; then
  mkdir -p /tmp/ocl && for d in .device/debs/*.deb; do dpkg -x "$d" /tmp/ocl; done
  export LD_LIBRARY_PATH="/tmp/ocl/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
fi
if [ ! -d /etc/OpenCL/vendors ] || [ -z "$(ls /etc/OpenCL/vendors 2>/dev/null)" ]; then
  lib=$(find / -xdev \( -name 'libnvidia-opencl.so.1' -o -name 'libnvidia-opencl.so.*' \) 2>/dev/null | head -1)
  [ -z "$lib" ] && lib=$(find /usr/local/nvidia /usr/lib /usr/lib64 -name 'libnvidia-opencl.so*' 2>/dev/null | head -1)
  echo "nvidia opencl library: ${lib:-none found}" | tee -a "$out/summary.txt"
  if [ -n "$lib" ]; then mkdir -p /tmp/icd && echo "$lib" > /tmp/icd/nvidia.icd && export OCL_ICD_VENDORS=/tmp/icd; fi
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 | tee -a "$out/summary.txt"
echo "cpus: $(nproc)" | tee -a "$out/summary.txt"

java=.device/runtime/bin/java
# m: the CLI; its stderr (progress, profile tables, errors) goes to $work/stderr-N.txt, N counting the calls
m() { calls=$(( $(cat "$work/calls" 2>/dev/null || echo 0) + 1 )); echo $calls > "$work/calls"; echo "[$calls] ${*:0:12}" | cut -c1-200 >> "$out/log.txt"
      timeout -k 5 "${limit:-120}" "$java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx48g -cp engine/target/mistral.jar \
      mistral.engine.cli.Main "$@" 2> "$work/stderr-$calls.txt"; local rc=$?
      tr '\r' '\n' < "$work/stderr-$calls.txt" | grep -v 'incubator modules' | grep -v '^bench\|^\[' | tail -30 >> "$out/log.txt"; return $rc; }
# t SECONDS cmd...: one step with its own limit, so a slow or hung step cannot eat the call
t() { limit=$1; shift; "$@"; local rc=$?; [ $rc -ne 0 ] && log "step exited $rc (124: over its ${limit} s): ${*:1:5}"; return $rc; }

log devices; t 60 m devices | tee -a "$out/summary.txt"
for ty in f32 f16 q8_0 q4_0; do
  f=fixtures/tiny-mistral/tiny-mistral-a-$ty.gguf
  ref=fixtures/tiny-mistral/tiny-mistral-a-$ty.ref.json
  ids=$(python3 -c "import json; print(','.join(map(str, json.load(open('$ref'))['prompts'][0]['token_ids'])))")
  t 60 m score --model $f --device opencl --token-ids "$ids" --json > "$work/score-opencl-$ty.json"
  t 60 m score --model $f --device java --token-ids "$ids" --json > "$work/score-java-$ty.json"
  python3 - "$ty" "$work" "$ref" <<'PY' 2>&1 | tee -a "$out/summary.txt"
import json, sys
ty, work, ref = sys.argv[1], sys.argv[2], sys.argv[3]
r = json.load(open(ref))['prompts'][0]['next_token_logprob']
cl = json.load(open(f'{work}/score-opencl-{ty}.json'))['logprobs']
jv = json.load(open(f'{work}/score-java-{ty}.json'))['logprobs']
print(f'{ty}: {len(cl)} positions; opencl vs reference max abs {max(abs(a-b) for a, b in zip(cl, r)):.2e}, '
      f'opencl vs java {max(abs(a-b) for a, b in zip(cl, jv)):.2e}')
PY
  t 60 m generate --model $f --device opencl --prompt "In the beginning God" --max-tokens 32 --temperature 0 --json > "$work/greedy-opencl-$ty.json"
  t 60 m generate --model $f --device java --prompt "In the beginning God" --max-tokens 32 --temperature 0 --json > "$work/greedy-java-$ty.json"
  python3 - "$work/greedy-opencl-$ty.json" "$work/greedy-java-$ty.json" "$ty" <<'PY' 2>&1 | tee -a "$out/summary.txt"
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
ka, kb = a['generated_ids'], b['generated_ids']
print(f'{sys.argv[3]} greedy 32 tokens: opencl {"==" if ka == kb else "!="} java')
PY
done

for type in $big_types; do
  f=/tmp/big-$type.gguf
  log "synth $big_preset $type"; t 120 m synth --preset "$big_preset" --type $type --out $f > /dev/null
  log "bench $type opencl (prompt 512, gen 128)"
  t 120 m bench --model $f --device opencl --prompt 512 --gen 128 --repeat 3 --json | tee -a "$out/summary.txt"
  if [ "$type" = Q4_0 ]; then
    log "profile $type opencl decode"
    t 60 m generate --model $f --device opencl --prompt "hello" --max-tokens 32 --temperature 0 --profile > /dev/null
    tail -16 "$work/stderr-$(cat "$work/calls").txt" | tee -a "$out/summary.txt"
    log "bench $type opencl, decode after 4096 tokens of context (attention over a full window)"
    t 90 m bench --model $f --device opencl --depth 4096 --prompt 16 --gen 64 --repeat 1 --json | tee -a "$out/summary.txt"
    [ "${CPU_BENCH:-1}" = 1 ] && log "bench $type java, all cores (prompt 128, gen 32)" && t 90 m bench --model $f --device java --prompt 128 --gen 32 --repeat 2 --json | tee -a "$out/summary.txt"
  fi
  rm -f $f
done
log done
