#!/bin/sh
# Run once by the official postgres image when it initialises its data (docker-compose.yml), as
# the superuser, in the database $POSTGRES_DB: the pipeline's role, which owns that database and
# creates the read-only roles itself, but is no superuser (orchestration/roles.py).
set -eu
psql -v ON_ERROR_STOP=1 -v password="$YIBAO_DB_PASSWORD" -v database="$POSTGRES_DB" \
     --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
create role yibao login createrole password :'password';
alter database :"database" owner to yibao;
SQL
