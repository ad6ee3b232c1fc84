# Shared helpers for recipes/*/run.sh (source it after setting the option defaults):
#
#   stage=0; stop_stage=100; data_dir=...        # every variable is an option: --stop-stage 3, --data-dir DIR;
#   demo=false                                   # a true/false variable is also a flag: --demo
#   . "$(dirname "$0")/../../local/recipe.sh"    # parses "$@" (Kaldi parse_options.sh style), defines:
#   run_stage N NAME OUTPUT CMD...               # run CMD when N is in [stage, stop_stage] and OUTPUT is missing;
#                                                # times it into $timing (TSV) when that variable is set
#   asrboot ...                                  # the checkout's .venv console script (or the one on PATH)

_recipe_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) sed -n '2,/^set -/p' "$0" | sed '$d'; exit 0 ;;
    --*=*) _name=${1%%=*}; _value=${1#*=}; shift ;;
    --*) _name=$1; _value=""; shift ;;
    *) echo "$0: unexpected argument $1 (options are --name value)" >&2; exit 2 ;;
  esac
  _var=$(echo "${_name#--}" | tr - _)
  if ! declare -p "$_var" >/dev/null 2>&1; then
    echo "$0: unknown option $_name" >&2; exit 2
  fi
  if [ -z "$_value" ]; then
    case "${!_var}:${1:-}" in
      true:*|false:|false:--*) _value=true ;;  # a flag
      *) [ $# -ge 1 ] || { echo "$0: option $_name needs a value" >&2; exit 2; }; _value=$1; shift ;;
    esac
  fi
  printf -v "$_var" '%s' "$_value"
done
unset _name _value _var

if [ -z "${ASRBOOT:-}" ]; then
  if [ -x "$_recipe_root/.venv/bin/asrboot" ]; then ASRBOOT="$_recipe_root/.venv/bin/asrboot"; else ASRBOOT=asrboot; fi
fi
asrboot() { "$ASRBOOT" "$@"; }

log() { echo "$(date '+%F %T') [stage $1] ${*:2}"; }

run_stage() {  # run_stage N NAME OUTPUT CMD...
  local n=$1 name=$2 output=$3
  shift 3
  [ "$stage" -le "$n" ] && [ "$stop_stage" -ge "$n" ] || return 0
  if [ -e "$output" ]; then
    log "$n" "$name: $output exists, skipped"
    return 0
  fi
  log "$n" "$name"
  local t0=$SECONDS
  "$@"
  local dt=$((SECONDS - t0))
  if [ -n "${timing:-}" ]; then
    mkdir -p "$(dirname "$timing")"
    { grep -v "^$n $name	" "$timing" 2>/dev/null || true; printf '%s\t%s\n' "$n $name" "$dt"; } > "$timing.tmp"
    mv "$timing.tmp" "$timing"
  fi
  log "$n" "$name done in ${dt}s"
}
