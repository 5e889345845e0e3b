#!/usr/bin/env bash
# The GPU check, one command, on a machine with an NVIDIA (or any OpenCL) GPU, no JDK and no network.
# Needs what scripts/prepare-device-check.sh put in .device/ and engine/target/mistral.jar.
# Checks: the GPU is listed; the tiny fixtures through --device opencl match the Java backend and the
# reference (score, greedy); then synthesizes Mistral 7B Q4_0 and Q8_0 there and benchmarks them.
# Writes everything to $OUT (or ./device-out).
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
out="${OUT:-$root/device-out}"; mkdir -p "$out"
log() { echo "== $*" | tee -a "$out/summary.txt"; }

if ! ldconfig -p | grep -q libOpenCL.so.1; then
  mkdir -p /tmp/ocl && for d in .device/debs/*.deb; do dpkg -x "$d" /tmp/ocl; done
  export LD_LIBRARY_PATH="/tmp/ocl/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
fi
if [ ! -d /etc/OpenCL/vendors ] || [ -z "$(ls /etc/OpenCL/vendors 2>/dev/null)" ]; then
  lib=$(find / -xdev -name 'libnvidia-opencl.so.1' 2>/dev/null | head -1)
  if [ -n "$lib" ]; then mkdir -p /tmp/icd && echo "$lib" > /tmp/icd/nvidia.icd && export OCL_ICD_VENDORS=/tmp/icd; fi
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 | tee -a "$out/summary.txt"

java=.device/runtime/bin/java
m() { "$java" --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx48g -cp engine/target/mistral.jar \
      mistral.engine.cli.Main "$@" 2> >(grep -v 'incubator modules' >&2); }

log devices; m devices | tee -a "$out/summary.txt"
for t in f32 f16 q8_0 q4_0; do
  f=fixtures/tiny-mistral/tiny-mistral-a-$t.gguf
  ids=$(python3 -c "import json; print(','.join(map(str, json.load(open('fixtures/tiny-mistral/tiny-mistral-a-$t.ref.json'))['prompts'][0]['token_ids'])))" 2>/dev/null)
  if [ -n "$ids" ]; then
    m score --model $f --device opencl --token-ids "$ids" --json > "$out/score-opencl-$t.json"
    m score --model $f --device java --token-ids "$ids" --json > "$out/score-java-$t.json"
    python3 - "$t" "$out" <<'PY' | tee -a "$out/summary.txt"
import json, sys
t, out = sys.argv[1], sys.argv[2]
ref = json.load(open(f'fixtures/tiny-mistral/tiny-mistral-a-{t}.ref.json'))['prompts'][0]['next_token_logprob']
cl = json.load(open(f'{out}/score-opencl-{t}.json'))['logprobs']
jv = json.load(open(f'{out}/score-java-{t}.json'))['logprobs']
print(f'{t}: opencl vs reference max abs {max(abs(a-b) for a, b in zip(cl, ref)):.2e}, opencl vs java {max(abs(a-b) for a, b in zip(cl, jv)):.2e}')
PY
  fi
  m generate --model $f --device opencl --prompt "In the beginning God" --max-tokens 32 --temperature 0 --json > "$out/greedy-opencl-$t.json"
  m generate --model $f --device java --prompt "In the beginning God" --max-tokens 32 --temperature 0 --json > "$out/greedy-java-$t.json"
  cmp -s "$out/greedy-opencl-$t.json" "$out/greedy-java-$t.json" && log "$t greedy: opencl == java" || log "$t greedy: DIFFERENT"
done

for type in Q4_0 Q8_0; do
  f=/tmp/mistral-7b-$type.gguf
  log "synth $type"; m synth --preset mistral-7b-v0.1 --type $type --out $f 2>/dev/null
  log "bench $type opencl"; m bench --model $f --device opencl --prompt 512 --gen 128 --repeat 3 --json | tee -a "$out/summary.txt"
done
log "profile Q4_0 decode"; m generate --model /tmp/mistral-7b-Q4_0.gguf --device opencl --prompt "hello" --max-tokens 32 --temperature 0 --profile 2>&1 | tail -12 | tee -a "$out/summary.txt"
