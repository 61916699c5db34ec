#!/usr/bin/env bash
# Calibration check for the default scenario (docs/CALIBRATION.md): runs `wargame simulate`
# with the doctrine and random policies and prints the target table with PASS/MISS.
# Usage: tools/calibrate.sh [SCENARIO] [RUNS] [SEED] [TURNS]; exits 1 if any row misses.
# Needs a built binary (cargo build --release --bin wargame) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
SCEN=${1:-scenarios/belarus-2025.toml}; RUNS=${2:-1000}; SEED=${3:-1}; TURNS=${4:-8}
BIN=${WARGAME:-./target/release/wargame}
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
sim() { "$BIN" simulate --scenario "$SCEN" --seed "$SEED" --turns "$TURNS" --runs "$RUNS" "$@"; }
sim --policy doctrine >"$TMP/doc.json"
sim --policy doctrine --inject russia_setback@3 >"$TMP/doc_setback.json"
sim --policy random >"$TMP/rnd.json"
sim --policy random --inject russia_setback@3 >"$TMP/rnd_setback.json"
python3 - "$TMP" "$SCEN" <<'PY'
import json, sys
t = sys.argv[1]
D = {k: json.load(open(f"{t}/{k}.json")) for k in ("doc", "doc_setback", "rnd", "rnd_setback")}
rows = []  # (target, doctrine figure, random figure, pass)
def flag(d, f): return d["flags"].get(f, {}).get("share", 0.0)
def pct(x): return f"{100 * x:.1f}%"
T = "belarusian_troops_in_ukraine"
a, b = flag(D["doc"], T), flag(D["doc_setback"], T)
ra, rb = flag(D["rnd"], T), flag(D["rnd_setback"], T)
rows.append((f"{T} in <= 5% of runs", pct(a), pct(ra), a <= 0.05))
rows.append((f"with russia_setback@3: >= 3x as often", f"{pct(b)} ({b / a if a else float('inf'):.1f}x)",
             f"{pct(rb)} ({rb / ra if ra else float('inf'):.1f}x)", a > 0 and b >= 3 * a))
s, rs = flag(D["doc"], "belarus_support_role"), flag(D["rnd"], "belarus_support_role")
rows.append(("belarus_support_role in >= 50% of runs", pct(s), pct(rs), s >= 0.5))
import tomllib
SC = tomllib.load(open(sys.argv[2], "rb"))
RANGE = {i["id"]: (i["min"], i["max"]) for i in SC["indicators"]}
def median_ok(name, m):
    lo, hi = RANGE[name]
    if hi - lo <= 2:  # a small discrete range: the median must not sit at its top
        return m < hi
    return lo + 0.05 * (hi - lo) <= m <= hi - 0.05 * (hi - lo)
for name in sorted(D["doc"]["indicators"]):
    m, rm = D["doc"]["indicators"][name]["p50"], D["rnd"]["indicators"][name]["p50"]
    lo, hi = RANGE[name]
    rows.append((f"median {name} ({lo}-{hi}) outside the outer 5%", str(m), str(rm), median_ok(name, m)))
def option_rows(d):
    tot = {}
    for o, v in d["options"].items():
        tot[v["team"]] = tot.get(v["team"], 0) + v["chosen"]
    return {o: (v["team"], v["runs_share"], v["chosen"] / tot[v["team"]] if tot[v["team"]] else 0.0)
            for o, v in d["options"].items()}
od, orr = option_rows(D["doc"]), option_rows(D["rnd"])
for o in sorted(od, key=lambda o: (od[o][0], o)):
    team, runs, pick = od[o]
    _, rruns, rpick = orr.get(o, (team, 0.0, 0.0))
    rows.append((f"{team}.{o}: >= 1% of runs, <= 30% of picks", f"{pct(runs)} / {pct(pick)}",
                 f"{pct(rruns)} / {pct(rpick)}", runs >= 0.01 and pick <= 0.30))
for k in ("doc", "doc_setback"):
    pass
nf, rnf = (D[k]["endings_by_fighting"].get("regional_war", {}).get("not_fighting", 0) for k in ("doc", "rnd"))
nw, rnw = (D[k]["endings"].get("regional_war", 0) for k in ("doc", "rnd"))
rows.append(("regional_war only while forces fight (not_fighting == 0)", f"{nf} of {nw}", f"{rnf} of {rnw}", nf == 0))
w = max(len(r[0]) for r in rows)
print(f"policy doctrine: {D['doc']['policy']}")
print(f"{'target':{w}}  {'doctrine':>16}  {'random':>16}  result")
miss = 0
for target, dv, rv, ok in rows:
    miss += not ok
    print(f"{target:{w}}  {dv:>16}  {rv:>16}  {'PASS' if ok else 'MISS'}")
print(f"{len(rows) - miss} PASS, {miss} MISS")
sys.exit(1 if miss else 0)
PY
