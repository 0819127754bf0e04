#!/usr/bin/env bash
# The main job end to end against the embedded emulator:
# validate -> plan -> apply -> plan (no changes) -> out-of-band edit -> drift -> apply -> drift (clean).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

PORT="${DEMO_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}"
export POLYTOMIC_API_URL="http://127.0.0.1:${PORT}"
export POLYTOMIC_API_KEY="demo-api-key"
export DEMO_ENCRYPTION_PASSPHRASE="demo-passphrase-not-a-real-secret"
DEFS=examples/syncs

# Bold headings on a terminal only: piped or logged output gets no escape codes (nor with NO_COLOR).
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ] && [ "${TERM:-}" != dumb ]; then bold=$'\033[1m' plain=$'\033[0m'; else bold='' plain=''; fi
step() { printf '\n%s==> %s%s\n' "$bold" "$*" "$plain"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "Start the emulator (in memory, demo organisation seeded)"
reconciler emulator --port "$PORT" --api-key "$POLYTOMIC_API_KEY" >/tmp/reconciler-demo-emulator.log 2>&1 &
EMULATOR_PID=$!
trap 'kill $EMULATOR_PID 2>/dev/null' EXIT
python3 - "$POLYTOMIC_API_URL" <<'PY'
import sys, time, urllib.request
for _ in range(200):
    try:
        urllib.request.urlopen(sys.argv[1] + "/_emulator/settings", timeout=1)
        break
    except OSError:
        time.sleep(0.05)
else:
    sys.exit("emulator did not start")
PY
cat /tmp/reconciler-demo-emulator.log

fail() { echo "demo failed: $*" >&2; exit 1; }

step "Validate the definitions (offline)"
run reconciler validate "$DEFS" || fail "validate"

step "Plan against the empty demo organisation"
run reconciler plan "$DEFS" || fail "plan"

step "Apply"
run reconciler apply "$DEFS" --auto-approve || fail "apply"

step "Plan again: nothing to do"
run reconciler plan "$DEFS" --detailed-exitcode || fail "plan after apply is not empty"

step "Someone edits a sync in the UI (out of band)"
python3 - <<'PY'
import json, os, urllib.request
base, key = os.environ["POLYTOMIC_API_URL"], os.environ["POLYTOMIC_API_KEY"]
headers = {"Authorization": f"Bearer {key}", "X-Polytomic-Version": "2025-09-18", "Content-Type": "application/json"}
def call(method, path, body=None):
    req = urllib.request.Request(base + path, method=method, headers=headers,
                                 data=None if body is None else json.dumps(body).encode())
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read() or b"null")
syncs = call("GET", "/api/syncs")["data"]
target = next(s for s in syncs if s["name"] == "Users to Salesforce")
full = call("GET", f"/api/syncs/{target['id']}")["data"]
body = {k: full[k] for k in ("name", "mode", "fields", "filters", "filter_logic", "identity", "overrides",
                             "schedule", "target", "active") if k in full}
body["schedule"] = {"frequency": "hourly"}
body["sync_all_records"] = True
call("PUT", f"/api/syncs/{target['id']}", body)
print(f"changed schedule and sync_all_records of 'Users to Salesforce' ({target['id']})")
PY

step "Nightly drift report (exit 2 means drift)"
run reconciler drift "$DEFS"
code=$?
[ "$code" -eq 2 ] || fail "drift should report the UI edit (exit $code)"

step "Apply puts git back in charge"
run reconciler apply "$DEFS" --auto-approve || fail "apply"

step "Drift again: clean"
run reconciler drift "$DEFS" || fail "drift after apply"

step "Done: validate, plan, apply, drift all ran against the emulator at $POLYTOMIC_API_URL"
