#!/usr/bin/env bash
# Regenerates the *.expected files (conlleval.pl's stdout) from cases.json.
# usage: regenerate.sh /path/to/conlleval.pl   (version 2004-01-26; not kept in this repository)
# Checks that each case ends with the exit status cases.json records (default 0).
set -euo pipefail
pl=${1:?usage: regenerate.sh /path/to/conlleval.pl}
cd "$(dirname "$0")"
python3 - "$pl" <<'PY'
import json, subprocess, sys
pl = sys.argv[1]
for case in json.load(open("cases.json")):
    with open(case["input"], "rb") as f:
        run = subprocess.run(["perl", pl, *case["args"]], stdin=f, capture_output=True)
    want = case.get("exit", 0)
    if run.returncode != want:
        sys.exit(f'{case["name"]}: perl exited {run.returncode}, cases.json says {want}')
    with open(case["name"] + ".expected", "wb") as out:
        out.write(run.stdout)
PY
