#!/usr/bin/env bash
# Fuzzes the GGUF loader (GgufFile + config resolution + tokenizer + weight checks) with Jazzer for
# a while: scripts/fuzz.sh [seconds, default 600] [seed, default random]. A finding fails the run and
# is written to the repo root as crash-*: move it into
# engine/src/test/resources/mistral/engine/gguf/GgufFuzzTestInputs/loadsOrFailsClearly/ so every
# bin/test replays it, then fix the loader. The corpus grows in .cifuzz-corpus/ (not committed).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-600}"
seed="${2:-$RANDOM$RANDOM}"
if [ -z "${JAVA_HOME:-}" ] || ! "$JAVA_HOME/bin/java" -version 2>&1 | grep -q 'version "2[5-9]'; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
fi
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
cd "$root"
echo "fuzzing for ${seconds}s, seed $seed" >&2
mvn -B -ntp -pl kernels-opencl,tornado-tasks,engine test -Dtest=GgufFuzzTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dfuzz.seconds="$seconds" -Dfuzz.seed="$seed" 2>&1 | grep -v --line-buffered -E "^INFO: (Loaded|Instrumented)|^WARNING|^\[INFO\] (Download|---|$)"
