#!/usr/bin/env bash
# Run here (no GPU needed) before scripts/device-check.sh runs on a GPU machine that has no JDK and no
# network: builds the jar, links a minimal Java 25 runtime (about 45 MB) and downloads the OpenCL ICD
# loader package, all into .device/ (ignored by git). Then, with the library's device tool:
#   run  command: bash scripts/device-check.sh   carry: [".device", "engine/target/mistral.jar"]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
bin/test -q -DskipTests >/dev/null
rm -rf .device && mkdir -p .device/debs
"$JAVA_HOME/bin/jlink" --add-modules java.base,jdk.incubator.vector --output .device/runtime \
  --strip-debug --no-man-pages --no-header-files --compress=zip-9 2>/dev/null
(cd .device/debs && apt-get download ocl-icd-libopencl1 >/dev/null 2>&1) || echo "warning: could not download ocl-icd-libopencl1" >&2
du -sh .device engine/target/mistral.jar
