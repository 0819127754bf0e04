#!/usr/bin/env bash
# The Action's PR comment (action.yml): one comment per pull request, found by its hidden marker
# and its author, and edited on every push. Environment: GH_TOKEN, GITHUB_REPOSITORY, PR_NUMBER,
# HEAD_SHA, RUN_URL, RECONCILER_OUT, COMMENT_AUTHOR (default github-actions[bot]).
set -euo pipefail
out="${RECONCILER_OUT:-.reconciler}"
marker='<!-- reconciler-plan -->'
limit=65536  # GitHub refuses longer comments
body="$out/comment.md"

log_block() {  # a log file as a fenced block, without workflow commands, within the limit
  local text fence='~~~'
  text=$(grep -v '^::' "$1" 2>/dev/null | head -c 60000 || true)
  while [[ "$text" == *"$fence"* ]]; do fence="${fence}~"; done  # no line of the log can close it
  printf '%stext\n%s\n%s\n' "$fence" "$text" "$fence"
}

if [ ! -s "$out/plan.md" ] && [ ! -e "$out/validated-only" ] && [ ! -e "$out/plan.err" ] && [ ! -s "$out/validate.txt" ]; then
  # reconciler did not run (install failed, the job was cancelled): no comment is better than a wrong one
  echo "Nothing to post: ${out} holds no report of this run; the plan comment is left as it is."
  exit 0
fi

{
  if [ -s "$out/plan.md" ]; then
    cat "$out/plan.md"  # the marker, the summary, the changes and any plan-time errors; fits a comment
  elif [ -e "$out/validated-only" ]; then
    echo "$marker"
    echo "## Reconciler plan: validated only"
    echo
    echo "No API key was available to this run, so the live organisation was not read. Validation:"
    echo
    log_block "$out/validate.txt"
  elif [ -e "$out/plan.err" ]; then
    echo "$marker"
    echo "## Reconciler plan: failed"
    echo
    echo "The plan could not be computed:"
    echo
    log_block "$out/plan.err"
  else
    echo "$marker"
    echo "## Reconciler plan: invalid definitions"
    echo
    echo "The files did not validate, so nothing was planned. Each problem is also annotated on the diff."
    echo
    log_block "$out/validate.txt"
  fi
  echo
  echo "<sub>Commit ${HEAD_SHA:-?} · [run](${RUN_URL:-}) · the full plan is in the run's step summary · saved plan: artefact \`reconciler-plan\`</sub>"
} > "$body"
if [ "$(wc -c < "$body")" -gt "$limit" ]; then  # never expected: plan.md stays well under it
  head -c $((limit - 100)) "$body" > "$body.cut" && printf '\n\n*(cut to fit a comment)*\n' >> "$body.cut"
  mv "$body.cut" "$body"
fi

# Ours is the first comment that starts with the marker AND was written by the token's account:
# anyone can paste the marker into a comment of theirs, which must never be overwritten.
author="${COMMENT_AUTHOR:-github-actions[bot]}"
listing=$(gh api --paginate "repos/${GITHUB_REPOSITORY}/issues/${PR_NUMBER}/comments" \
  --jq ".[] | select(.body | startswith(\"${marker}\")) | [.id, .user.login] | @tsv")
comment_id=""
while IFS=$'\t' read -r id login; do
  if [ -n "$id" ] && [ "$login" = "$author" ]; then comment_id="$id"; break; fi
done <<< "$listing"
# A read-only token (Dependabot's pull requests get one) cannot comment: that must not fail the
# plan check, whose verdict is the plan's; the run says why there is no comment.
if [ -n "$comment_id" ]; then
  if gh api --method PATCH "repos/${GITHUB_REPOSITORY}/issues/comments/${comment_id}" -F "body=@${body}" > /dev/null; then
    echo "Updated the plan comment ${comment_id}."
  else
    echo "::warning::could not update the plan comment (does the token have pull-requests: write?); the plan is in the step summary"
  fi
elif gh api --method POST "repos/${GITHUB_REPOSITORY}/issues/${PR_NUMBER}/comments" -F "body=@${body}" > /dev/null; then
  echo "Posted the plan comment."
else
  echo "::warning::could not post the plan comment (does the token have pull-requests: write?); the plan is in the step summary"
fi
