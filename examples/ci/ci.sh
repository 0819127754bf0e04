#!/usr/bin/env bash
# reconciler in any CI system: one script, four modes (the GitHub Action in action.yml runs it too).
#
#   ci.sh validate  offline: check the files (no API key needed)
#   ci.sh plan    on every pull/merge request: validate, plan, save the plan for apply
#   ci.sh apply   on merge to main: carry out the saved plan (or a fresh one), then verify
#   ci.sh drift   nightly: report drift between git and the live organisation
#
# Environment:
#   POLYTOMIC_API_KEY          (required for plan/apply/drift; or POLYTOMIC_DEPLOYMENT_KEY +
#                               POLYTOMIC_ORGANIZATION_ID), POLYTOMIC_API_URL, POLYTOMIC_API_VERSION
#   RECONCILER_PATHS           definition paths, space-separated (default: reconciler.yaml, else syncs/)
#   RECONCILER_OUT             where outputs go (default: .reconciler/): validate.txt, plan.md, plan.err, plan.json,
#                              drift.md, drift.json
#   RECONCILER_SAVED_PLAN      apply: a plan.json saved by the plan job for this change; when it
#                              exists it is carried out (stale changes are refused); otherwise a fresh
#                              plan is applied
#   RECONCILER_REQUIRE_SAVED_PLAN=1   apply: refuse to run without a saved plan
#   RECONCILER_PRUNE=1         plan/apply: also (plan to) delete live syncs inside the owns: scope of
#                              reconciler.yaml that no file declares
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
# Deleting syncs whose files were removed is opt-in: RECONCILER_PRUNE=1 (needs owns: in reconciler.yaml).
prune=()
if [ "${RECONCILER_PRUNE:-0}" = "1" ]; then prune=(--prune); fi

die() { echo "ci.sh: $*" >&2; exit 1; }

case "$mode" in
  validate)
    # Offline; under GitHub Actions every problem is also an ::error annotation.
    reconciler validate "${paths[@]}" > "$out/validate.txt" 2>&1
    code=$?
    cat "$out/validate.txt"
    [ "$code" -eq 0 ] || die "invalid definitions"
    ;;

  plan)
    reconciler validate "${paths[@]}" > "$out/validate.txt" 2>&1
    code=$?
    cat "$out/validate.txt"
    [ "$code" -eq 0 ] || die "invalid definitions"
    # The Markdown fits a PR comment; plan-time errors are in it too (and annotated).
    reconciler plan "${paths[@]}" "${prune[@]}" --format markdown --out "$out/plan.json" --detailed-exitcode \
      > "$out/plan.md" 2> "$out/plan.err"
    code=$?
    cat "$out/plan.md"
    cat "$out/plan.err" >&2
    case "$code" in
      0) echo "ci.sh: no changes" ;;
      2) echo "ci.sh: changes planned; saved plan in $out/plan.json" ;;
      *) die "plan failed (exit $code); the errors are in $out/plan.md" ;;
    esac
    ;;

  apply)
    saved="${RECONCILER_SAVED_PLAN:-}"
    if [ -n "$saved" ] && [ -f "$saved" ]; then
      reconciler apply --plan "$saved" --auto-approve || die "apply of the saved plan failed or was refused"
    elif [ "${RECONCILER_REQUIRE_SAVED_PLAN:-0}" = "1" ]; then
      die "no saved plan at '${saved}' and RECONCILER_REQUIRE_SAVED_PLAN=1"
    else
      reconciler apply "${paths[@]}" "${prune[@]}" --auto-approve || die "apply failed"
    fi
    # Converged? A fresh plan must be empty (exit 0); 2 means git and live still differ.
    reconciler plan "${paths[@]}" "${prune[@]}" --detailed-exitcode > "$out/plan-after-apply.txt"
    code=$?
    cat "$out/plan-after-apply.txt"
    [ "$code" -eq 0 ] || die "changes remain after apply (plan exit $code)"
    ;;

  drift)
    reconciler drift "${paths[@]}" --format json > "$out/drift.json"
    code=$?
    if [ "$code" -eq 0 ] || [ "$code" -eq 2 ]; then
      # The same findings for people: an issue body that fits GitHub's limit. The first run already
      # wrote the step summary and the annotations: this one must not add them a second time.
      GITHUB_STEP_SUMMARY="" GITHUB_ACTIONS="" reconciler drift "${paths[@]}" --format markdown > "$out/drift.md"
      code=$?
      cat "$out/drift.md"
    fi
    case "$code" in
      0) echo "ci.sh: no drift" ;;
      2) echo "ci.sh: drift found; report in $out/drift.md and $out/drift.json" ;;
      *) echo "ci.sh: drift check failed (exit $code)" >&2 ;;
    esac
    exit "$code"
    ;;

  *)
    echo "usage: ci.sh validate|plan|apply|drift" >&2
    exit 64
    ;;
esac
