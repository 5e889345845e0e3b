#!/usr/bin/env bash
# Writes $TORNADOVM_HOME/tornado-argfile (TornadoVM's JVM flags, one per line, its export lists
# inlined: a Java argfile cannot include other @files) for an SDK that lacks one.
set -euo pipefail
: "${TORNADOVM_HOME:?set TORNADOVM_HOME to the TornadoVM SDK}"
"$TORNADOVM_HOME/bin/tornado" --printJavaFlags | head -1 | cut -d' ' -f2- | tr -s ' ' '\n' | grep -v '^$' |
  while read -r arg; do
    if [[ "$arg" == @* ]]; then grep -v -e '^#' -e '^[[:space:]]*$' "${arg#@}"; else echo "$arg"; fi
  done > "$TORNADOVM_HOME/tornado-argfile"
echo "wrote $TORNADOVM_HOME/tornado-argfile ($(wc -l < "$TORNADOVM_HOME/tornado-argfile") lines)"
