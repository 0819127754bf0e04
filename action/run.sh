#!/usr/bin/env bash
# The Action's main step (action.yml): run examples/ci/ci.sh for the command, record its exit code.
# Environment from action.yml: COMMAND, POLYTOMIC_API_KEY, INPUT_API_URL, SECRET_ENV and the
# RECONCILER_* variables ci.sh reads.
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
out="${RECONCILER_OUT:-.reconciler}"
mkdir -p "$out"
github_output="${GITHUB_OUTPUT:-/dev/null}"

if [ -n "${INPUT_API_URL:-}" ]; then export POLYTOMIC_API_URL="$INPUT_API_URL"; fi
if [ -z "${POLYTOMIC_API_KEY:-}" ]; then unset POLYTOMIC_API_KEY; fi  # empty is not a key
mode="${COMMAND:-}"
case "$mode" in
  validate|plan|apply|drift) ;;
  *) printf '::error::the command input must be validate, plan, apply or drift, not %q\n' "$mode"; exit 1 ;;  # %q: one line
esac

# ${env:NAME} values: only apply sends them; validate, plan and drift never need them.
secret_env="${SECRET_ENV:-}"
unset SECRET_ENV
if [ "$mode" = apply ]; then
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    name="${line%%=*}"
    if [ "$name" = "$line" ] || ! [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
      echo "::error::secret-env: every line must be NAME=value"
      exit 1
    fi
    value="${line#*=}"
    # The runner un-escapes a command's data (%25 %0D %0A): escaped, the mask is the value itself.
    masked="${value//%/%25}"; masked="${masked//$'\r'/%0D}"
    if [ -n "$value" ]; then echo "::add-mask::${masked}"; fi
    export "${name}=${value}"
  done <<< "$secret_env"
fi

# Reports of an earlier run in this workspace (a second use of the action in the job, a runner
# that keeps its workspace) must never be posted as this run's.
case "$mode" in
  validate|plan) rm -f "$out/validated-only" "$out/validate.txt" "$out/plan.md" "$out/plan.err" "$out/plan.json" ;;
  drift) rm -f "$out/drift.md" "$out/drift.json" ;;
esac
if [ "$mode" = plan ] && [ -z "${POLYTOMIC_API_KEY:-}${POLYTOMIC_DEPLOYMENT_KEY:-}" ]; then
  # A pull request from a fork gets no secrets: check the files, say why nothing was planned.
  echo "::notice::No API key (pull requests from forks get no secrets): the files are validated, the live organisation is not read."
  printf '### Reconciler: validated only\n\nNo API key was available (pull requests from forks get no secrets), so nothing was planned.\n' \
    >> "${GITHUB_STEP_SUMMARY:-/dev/null}"
  touch "$out/validated-only"
  mode=validate
fi

bash "$here/examples/ci/ci.sh" "$mode"
code=$?
if [ "$code" -ne 0 ] && [ ! -s "$out/plan.md" ] && [ -s "$out/validate.txt" ] && ! grep -q ', 0 errors' "$out/validate.txt"; then
  # invalid files: reconciler wrote no report, so the summary gets the messages
  { printf '### Reconciler: invalid definitions\n\n~~~text\n'; grep -v '^::' "$out/validate.txt" | head -c 60000
    printf '\n~~~\n'; } >> "${GITHUB_STEP_SUMMARY:-/dev/null}"
fi
echo "exit-code=${code}" >> "$github_output"
case "$mode" in
  plan) report="$out/plan.md" ;;
  drift) report="$out/drift.md" ;;
  *) report="" ;;
esac
if [ -n "$report" ] && [ -s "$report" ]; then echo "report=${report}" >> "$github_output"; fi
# Drift found (2) is a finding for the issue step, not a failure of the check.
if [ "$mode" = drift ] && [ "$code" -eq 2 ]; then exit 0; fi
exit "$code"
