#!/usr/bin/env bash
# Every benchmark; prints times and peak memory. Results also go to var/bench-results.txt.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
out=var/bench-results.txt
: > "$out"
for bench in bench/bench_*.py; do
  echo "== $bench ==" | tee -a "$out"
  .venv/bin/python "$bench" 2>&1 | tee -a "$out"
done
echo "== bench/bench_import.py --worker (the import as a background job, in the worker process) ==" | tee -a "$out"
.venv/bin/python bench/bench_import.py --worker 2>&1 | tee -a "$out"
echo "== make demo: time to a served login page ==" | tee -a "$out"
.venv/bin/python bench/demo_startup.py 2>&1 | tee -a "$out"
