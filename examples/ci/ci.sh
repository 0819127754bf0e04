#!/usr/bin/env bash
# reconciler in any CI system: one script, three modes.
#
#   ci.sh plan    on every pull/merge request: validate, plan, save the plan for apply
#   ci.sh apply   on merge to main: carry out the saved plan (or a fresh one), then verify
#   ci.sh drift   nightly: report drift between git and the live organisation
#
# Environment:
#   POLYTOMIC_API_KEY          (required for plan/apply/drift; or POLYTOMIC_DEPLOYMENT_KEY +
#                               POLYTOMIC_ORGANIZATION_ID), POLYTOMIC_API_URL, POLYTOMIC_API_VERSION
#   RECONCILER_PATHS           definition paths, space-separated (default: reconciler.yaml, else syncs/)
#   RECONCILER_OUT             where outputs go (default: .reconciler/): plan.json, plan.md, drift.md, drift.json
#   RECONCILER_SAVED_PLAN      apply: a plan.json saved by the plan job for this change; when it
#                              exists it is carried out (stale changes are refused); otherwise a fresh
#                              plan is applied
#   RECONCILER_REQUIRE_SAVED_PLAN=1   apply: refuse to run without a saved plan
#
# Exit codes:
#   plan   0 planned (changes or none; see plan.md), 1 invalid files or the plan failed
#   apply  0 everything applied and a fresh plan is empty, 1 anything failed, was stale, or
#          changes remain after apply
#   drift  0 in sync, 2 drift found (report in drift.md / drift.json), 1 the check failed
set -uo pipefail

mode="${1:-}"
out="${RECONCILER_OUT:-.reconciler}"
read -r -a paths <<< "${RECONCILER_PATHS:-}"
mkdir -p "$out"

die() { echo "ci.sh: $*" >&2; exit 1; }

case "$mode" in
  plan)
    reconciler validate "${paths[@]}" || die "invalid definitions"
    reconciler plan "${paths[@]}" --format markdown --out "$out/plan.json" --detailed-exitcode > "$out/plan.md"
    code=$?
    cat "$out/plan.md"
    case "$code" in
      0) echo "ci.sh: no changes" ;;
      2) echo "ci.sh: changes planned; saved plan in $out/plan.json" ;;
      *) die "plan failed (exit $code)" ;;
    esac
    ;;

  apply)
    saved="${RECONCILER_SAVED_PLAN:-}"
    if [ -n "$saved" ] && [ -f "$saved" ]; then
      reconciler apply --plan "$saved" --auto-approve || die "apply of the saved plan failed or was refused"
    elif [ "${RECONCILER_REQUIRE_SAVED_PLAN:-0}" = "1" ]; then
      die "no saved plan at '${saved}' and RECONCILER_REQUIRE_SAVED_PLAN=1"
    else
      reconciler apply "${paths[@]}" --auto-approve || die "apply failed"
    fi
    # Converged? A fresh plan must be empty (exit 0); 2 means git and live still differ.
    reconciler plan "${paths[@]}" --detailed-exitcode > "$out/plan-after-apply.txt"
    code=$?
    cat "$out/plan-after-apply.txt"
    [ "$code" -eq 0 ] || die "changes remain after apply (plan exit $code)"
    ;;

  drift)
    reconciler drift "${paths[@]}" --format json > "$out/drift.json"
    code=$?
    if [ "$code" -eq 0 ] || [ "$code" -eq 2 ]; then
      # Human-readable copy from the same report, for an issue or a chat message.
      python3 - "$out/drift.json" > "$out/drift.txt" <<'PY' || true
import json, sys
doc = json.load(open(sys.argv[1]))
s = doc["summary"]
print(f"drift: {s['create']} to create, {s['update']} to update, {s['delete']} to delete, "
      f"{s['unmanaged']} unmanaged, {s['unhealthy']} unhealthy")
for c in doc["changes"]:
    print(f"  {c['action']} {c['kind']} {c['name']}: " + ", ".join(f['path'] for f in c["fields"]))
for u in doc["unmanaged"]:
    print(f"  unmanaged {u['kind']} {u['name']} ({u['sync_id']})")
for u in doc["unhealthy"]:
    print(f"  unhealthy {u['kind']} {u['name']}: " + "; ".join(i["message"] for i in u["issues"]))
PY
      cat "$out/drift.txt"
    fi
    case "$code" in
      0) echo "ci.sh: no drift" ;;
      2) echo "ci.sh: drift found; report in $out/drift.json" ;;
      *) echo "ci.sh: drift check failed (exit $code)" >&2 ;;
    esac
    exit "$code"
    ;;

  *)
    echo "usage: ci.sh plan|apply|drift" >&2
    exit 64
    ;;
esac
