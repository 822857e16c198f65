#!/usr/bin/env bash
# The shell steps of the bckeys workflow (bckeys.yml beside this file), kept in one script so
# that they can be linted and rehearsed: `bckeys.sh plan|apply|drift`. Results go to
# $GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY when GitHub sets them; files (plan.md, comment.md,
# apply.md, drift.md) are left for the workflow's next steps.
#
#   BCKEYS        the bckeys binary (default: bckeys on PATH)
#   BCKEYS_PUSH   apply pushes what it commits (default: true; the rehearsal test says false)
#   RUN_URL       the run's page, linked from a plan too long for a comment
#   COMMENT_LIMIT where a plan comment is cut (default 60000: GitHub refuses comments over
#                 65,536 characters, and the marker and the note need room)
set -euo pipefail

bckeys=${BCKEYS:-bckeys}
marker='<!-- bckeys-plan -->'
limit=${COMMENT_LIMIT:-60000}

output() {
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
  fi
}

summary() {
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
    cat "$1" >>"$GITHUB_STEP_SUMMARY"
  fi
}

# Plan for a pull request: plan.md, and comment.md (the sticky comment, with its hidden marker).
# A pull request from a fork gets no secrets: without an identity, plan from the state alone.
plan() {
  local refresh=true code=0
  if [ -z "${BCKEYS_IDENTITY:-}" ] && [ -z "${BCKEYS_IDENTITY_FILE:-}" ]; then
    refresh=false
  fi
  "$bckeys" validate
  "$bckeys" plan --refresh="$refresh" --format markdown --detailed-exitcode >plan.md || code=$?
  if [ "$code" -ne 0 ] && [ "$code" -ne 2 ]; then
    return "$code"
  fi
  summary plan.md
  {
    echo "$marker"
    if [ "$(wc -c <plan.md)" -gt "$limit" ]; then
      head -c "$limit" plan.md
      printf '\n\n_The plan is longer than a comment can hold: it is whole in the [job summary](%s)._\n' "${RUN_URL:-}"
    else
      cat plan.md
    fi
  } >comment.md
  if [ "$code" -eq 2 ]; then output changes true; else output changes false; fi
}

# Apply on the default branch, then commit the state and the secret files back, whatever the
# outcome: what was done is recorded even when a step failed. Exit 3 (guided steps left) is
# not a failure: `guided=true`, and apply.md holds the steps for the issue.
apply() {
  local code=0
  "$bckeys" apply --auto-approve --non-interactive --format markdown >apply.md || code=$?
  summary apply.md
  if [ -f bckeys.state.yaml ]; then
    git add -- bckeys.state.yaml
  fi
  if [ -d secrets ]; then
    git add -A -- secrets
  fi
  if ! git diff --cached --quiet; then
    git commit --quiet -m "bckeys apply: record the state and the secret files"
    if [ "${BCKEYS_PUSH:-true}" = true ]; then
      git push --quiet origin "HEAD:${GITHUB_REF_NAME:-main}"
    fi
  fi
  case "$code" in
    0) output guided false ;;
    3) output guided true ;;
    *) return "$code" ;;
  esac
}

# Drift on a schedule: 0 in sync, 2 drift (result=drift: the workflow keeps one issue up to
# date), anything else a check that could not be made (the job fails).
drift() {
  local code=0
  "$bckeys" drift --format markdown >drift.md || code=$?
  summary drift.md
  case "$code" in
    0) output result in_sync ;;
    2) output result drift ;;
    *)
      output result failed
      return "$code"
      ;;
  esac
}

case "${1:-}" in
  plan | apply | drift) "$1" ;;
  *)
    echo "usage: $0 plan|apply|drift" >&2
    exit 64
    ;;
esac
