#!/usr/bin/env bash
# The Action's drift issue (action.yml): while drift exists (exit 2) one open issue with the label
# holds the latest report; a clean run (exit 0) closes it. Environment: GH_TOKEN, GITHUB_REPOSITORY,
# DRIFT_EXIT, DRIFT_LABEL, RUN_URL, RECONCILER_OUT, COMMENT_AUTHOR (default github-actions[bot]).
set -euo pipefail
out="${RECONCILER_OUT:-.reconciler}"
label="${DRIFT_LABEL:-reconciler-drift}"
# Only issues the token's account opened: a person's issue that carries the label is theirs.
author="${COMMENT_AUTHOR:-github-actions[bot]}"
listing=$(gh api --paginate --method GET "repos/${GITHUB_REPOSITORY}/issues" -f state=open -f labels="$label" \
  -f per_page=100 --jq '.[] | select(.pull_request == null) | [.number, .user.login] | @tsv')
open=""
while IFS=$'\t' read -r number login; do
  if [ -n "$number" ] && [ "$login" = "$author" ]; then open="${open}${number}"$'\n'; fi
done <<< "$listing"

if [ "${DRIFT_EXIT:-}" = "2" ]; then
  body="$out/drift-issue.md"
  { cat "$out/drift.md"; echo; echo "<sub>Last checked by [this run](${RUN_URL:-}).</sub>"; } > "$body"
  number=$(printf '%s\n' "$open" | head -n 1)
  if [ -n "$number" ]; then
    gh issue edit "$number" --body-file "$body"
    echo "Updated drift issue #${number}."
  else
    gh label create "$label" --color D93F0B --description "Polytomic differs from git" --force
    gh issue create --title "Polytomic syncs have drifted from git" --label "$label" --body-file "$body"
  fi
elif [ "${DRIFT_EXIT:-}" = "0" ]; then
  for number in $open; do
    gh issue close "$number" --comment "No drift any more: git and Polytomic agree ([run](${RUN_URL:-}))."
  done
fi
