#!/bin/sh
# Run once after 10-pipeline-role.sh: Dagster's instance and Superset's metadata store get
# databases of their own on the same server, owned by the pipeline's role (docs/deployment.md).
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
create database dagster owner yibao;
create database superset owner yibao;
SQL
