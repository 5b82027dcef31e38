#!/usr/bin/env bash
# Make sure the services the test suite talks to answer on 127.0.0.1.
# PostgreSQL: use the one on 127.0.0.1:5432 when it answers; otherwise try to start the
# installed cluster. The suite itself starts a private server from the installed binaries
# when neither works (tests/pg.py), so this script never fails the build on its own.
set -u
pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
if ! pg_up; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && ls /etc/postgresql >/dev/null 2>&1; then
    for v in $(ls /etc/postgresql); do
      pg_ctlcluster --skip-systemctl-redirect "$v" main start >/dev/null 2>&1 || true
    done
    for _ in $(seq 1 20); do pg_up && break; sleep 0.5; done
  fi
fi
if pg_up; then echo "test-services: PostgreSQL answers on 127.0.0.1:5432"; else
  echo "test-services: no PostgreSQL on 127.0.0.1:5432; the suite will start its own"; fi
exit 0
