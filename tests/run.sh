#!/usr/bin/env bash
# Runs the whole test suite on a fresh machine: makes the venv (.venv), and
# where it can (root with apt-get) installs and starts PostgreSQL and RabbitMQ
# for the tests that need them; those tests are skipped when neither is here.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${MISTRAL_CLONE_VENV:-.venv}
if [ ! -x "$VENV/bin/pytest" ] || [ setup.cfg -nt "$VENV/.installed" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip >/dev/null
  "$VENV/bin/pip" install -q -e '.[test]'
  touch "$VENV/.installed"
fi

# The real python-mistralclient CLI, in a venv of its own (a test tool: the
# product never imports it), for the CLI tests.
CLIENT_VENV=${MISTRAL_CLONE_CLIENT_VENV:-.venv-client}
if [ ! -x "$CLIENT_VENV/bin/mistral" ]; then
  python3 -m venv "$CLIENT_VENV" && \
    "$CLIENT_VENV/bin/pip" install -q python-mistralclient >/dev/null 2>&1 || \
    echo "could not install python-mistralclient: the CLI tests will be skipped"
fi
[ -x "$CLIENT_VENV/bin/mistral" ] && export MISTRAL_CLI=${MISTRAL_CLI:-$PWD/$CLIENT_VENV/bin/mistral}

# A real Keystone (OpenStack Identity), pinned, in a venv of its own kept out
# of the work tree so that later runs and fresh clones reuse it; the tests
# with auth on start it themselves (tests/keystone.py) and are skipped
# without it.
KEYSTONE_PINS="keystone==30.0.0 gunicorn==27.0.1"
KEYSTONE_VENV=${MISTRAL_CLONE_KEYSTONE_VENV:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/mistral-clone/venv-keystone-30.0.0}
if [ "$(cat "$KEYSTONE_VENV/.installed" 2>/dev/null)" != "$KEYSTONE_PINS" ]; then
  rm -rf "$KEYSTONE_VENV"
  (python3 -m venv "$KEYSTONE_VENV" && \
    "$KEYSTONE_VENV/bin/pip" install -q $KEYSTONE_PINS >/dev/null 2>&1 && \
    echo "$KEYSTONE_PINS" > "$KEYSTONE_VENV/.installed") || \
    echo "could not install Keystone: the tests with auth on will be skipped"
fi
[ -f "$KEYSTONE_VENV/.installed" ] && export MISTRAL_CLONE_KEYSTONE_VENV=$KEYSTONE_VENV

if [ "$(id -u)" = 0 ] && [ "${MISTRAL_CLONE_NO_SERVERS:-0}" != 1 ]; then
  if ! command -v pg_ctlcluster >/dev/null || ! command -v rabbitmqctl >/dev/null \
      || [ ! -x /usr/sbin/sshd ] || ! command -v nc >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      postgresql rabbitmq-server openssh-server netcat-openbsd >/dev/null) \
      || echo "could not install PostgreSQL/RabbitMQ/sshd"
  fi
  # Headless Chromium and its WebDriver, for the web view's tests
  # (tests/functional/test_ui_*.py; skipped without them).
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      chromium chromium-driver >/dev/null) \
      || echo "could not install chromium/chromium-driver: the web view tests will be skipped"
  fi
  if command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster "$(ls /etc/postgresql | sort -n | tail -1)" main start 2>/dev/null || true
    for _ in $(seq 30); do su postgres -c "psql -tAc 'select 1'" >/dev/null 2>&1 && break; sleep 1; done
    su postgres -c "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='mistral_clone'\"" | grep -q 1 || \
      su postgres -c "psql -qc \"CREATE USER mistral_clone WITH PASSWORD 'mistral_clone' SUPERUSER\""
    su postgres -c "psql -lqt" | cut -d'|' -f1 | grep -qw mistral_clone_test || \
      su postgres -c "createdb -O mistral_clone mistral_clone_test"
    export MISTRAL_CLONE_TEST_PG_URL=${MISTRAL_CLONE_TEST_PG_URL:-postgresql+psycopg://mistral_clone:mistral_clone@127.0.0.1/mistral_clone_test}
  fi
  if command -v rabbitmqctl >/dev/null; then
    service rabbitmq-server start >/dev/null 2>&1 || true
    for _ in $(seq 60); do rabbitmqctl status >/dev/null 2>&1 && break; sleep 1; done
    rabbitmqctl list_users 2>/dev/null | grep -q '^mistral_clone' || \
      rabbitmqctl add_user mistral_clone mistral_clone >/dev/null 2>&1 || true
    rabbitmqctl list_vhosts 2>/dev/null | grep -qx mistral_clone_test || \
      rabbitmqctl add_vhost mistral_clone_test >/dev/null 2>&1 || true
    rabbitmqctl set_permissions -p mistral_clone_test mistral_clone '.*' '.*' '.*' >/dev/null 2>&1 || true
    export MISTRAL_CLONE_TEST_RABBIT_URL=${MISTRAL_CLONE_TEST_RABBIT_URL:-rabbit://mistral_clone:mistral_clone@127.0.0.1:5672/mistral_clone_test}
  fi
fi

# Quiet output unless the arguments say how quiet: a -q of theirs on top of
# ours would make -qq, which hides the summary line with the counts.
QUIET=-q
for arg in "$@"; do
  case "$arg" in -q|-qq*|--quiet) QUIET= ;; esac
done
# worksteal: a worker that runs out of tests takes half of another's queue
# (with the default "load", a worker was seen idle for minutes at the end
# while the other still had a queue of its own). Four workers on two cores:
# the functional tests spend most of their time waiting for processes.
exec "$VENV/bin/pytest" $QUIET -rs -n "${MISTRAL_CLONE_TEST_WORKERS:-4}" \
  --dist worksteal "$@"
