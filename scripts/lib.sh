# Shared shell functions for scripts/start and scripts/test. Source, don't run.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
# Rasa telemetry and error reports would try to reach the internet: off.
export RASA_TELEMETRY_ENABLED=false SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2 PYTHONWARNINGS=ignore

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

find_python310() {
  local c
  for c in "${PYTHON310:-}" python3.10 "$HOME/.pyenv/versions/"3.10*/bin/python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10; do
    [ -n "$c" ] || continue
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys, venv; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
      command -v "$c"; return 0
    fi
  done
  cat >&2 <<'MSG'
Python 3.10 is required (Rasa 3.6 runs on Python < 3.11) and none was found.
Install it, then run this again, for example:
  pyenv install 3.10.13                      # with pyenv
  sudo apt-get install python3.10 python3.10-venv   # on Debian/Ubuntu with 3.10 packages
Or point to it: PYTHON310=/path/to/python3.10 scripts/start
MSG
  return 1
}

ensure_venv() {
  local stamp="$VENV/.requirements.sha" want
  want="$(sha256sum requirements.lock | cut -d' ' -f1)"
  if [ ! -x "$PY" ]; then
    say "Creating the virtual environment (.venv) with Python 3.10"
    "$(find_python310)" -m venv "$VENV"
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "Installing pinned dependencies (requirements.lock); the first time takes a few minutes"
    "$PY" -m pip install -q --disable-pip-version-check "pip==24.0" 2>&1 | grep -v '^WARNING: Location' || true
    "$PY" -m pip install -q --disable-pip-version-check -r requirements.lock 2>&1 | grep -v '^WARNING: Location' || true
    "$PY" -m pip check >/dev/null || { "$PY" -m pip check; return 1; }
    echo "$want" > "$stamp"
  fi
}

# Database schema, demo data when the catalogue is empty, NLU resources from the catalogue.
prepare_data() {
  mkdir -p "${RSA_VAR_DIR:-$ROOT/var}"
  "$PY" -m api.cli migrate
  "$PY" -m api.cli seed --if-empty
  "$PY" -m api.cli nlu-resources
}

# Train only when the model's inputs changed since the last training.
train_if_stale() {
  local inputs want
  inputs="$(find config.yml bot/domain bot/data bot/components bot/jieba nlu_data -type f \( -name '*.yml' -o -name '*.py' -o -name '*.txt' \) | sort)"
  want="$(cat $inputs | sha256sum | cut -d' ' -f1)"
  if [ -f models/current.tar.gz ] && [ "$(cat models/.inputs.sha 2>/dev/null)" = "$want" ]; then
    say "Model is up to date"
    return 0
  fi
  say "Training the Rasa model (about half an hour on 2 cores)"
  mkdir -p models
  "$VENV/bin/rasa" train --config config.yml --domain bot/domain --data nlu_data bot/data \
    --out models --fixed-model-name current --force --quiet
  echo "$want" > models/.inputs.sha
}
