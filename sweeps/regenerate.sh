#!/usr/bin/env bash
# Regenerates the shipped experiments whose answers the README quotes (results/<name>/; a plain
# `linesim sweep` writes to runs/<name>/ instead).
# Each command resumes what an interrupted regeneration left (--resume); to start from scratch,
# remove results/<name>/ first. About a minute on 2 cores with the fast engine (about 30 minutes
# with --engine simpy; both give the same tables, byte for byte).
set -euo pipefail
cd "$(dirname "$0")/.."
linesim sweep sweeps/zhuojun-phase2-set-cycle.yaml --results-dir results --resume
linesim improve scenarios/zhuojun-seats-phase1.yaml --horizon "4 weeks" --replications 3 --results-dir results --resume
linesim sweep sweeps/li-auto-painted-body-store.yaml --results-dir results --resume
linesim sweep sweeps/coupled-seat-buffer-x-cycle.yaml --results-dir results --resume
