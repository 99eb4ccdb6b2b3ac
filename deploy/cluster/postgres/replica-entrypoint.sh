#!/bin/sh
# The streaming replica: on first start, copy the primary with pg_basebackup (which writes the
# standby settings), then run as a hot standby. Runs as the postgres user.
set -eu
: "${PGDATA:=/var/lib/postgresql/data}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  attempt=0
  until PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup --host="$PRIMARY_HOST" --username=replicator \
      --pgdata="$PGDATA" --wal-method=stream --write-recovery-conf --checkpoint=fast; do
    attempt=$((attempt + 1))
    if [ "$attempt" -ge 30 ]; then
      echo "replica: the primary $PRIMARY_HOST did not answer pg_basebackup after 30 attempts" >&2
      exit 1
    fi
    rm -rf "${PGDATA:?}"/*
    sleep 2
  done
  chmod 0700 "$PGDATA"
fi
exec postgres -D "$PGDATA" -c hot_standby=on
