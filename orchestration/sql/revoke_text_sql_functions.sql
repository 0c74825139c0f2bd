-- Functions that run SQL given to them as text, or return a whole table, schema or database.
-- A custom SQL expression in a Superset chart may call a function; through these it would read
-- rows that its own query's WHERE clause (a county filter) excludes, and relations it cannot name
-- in a sub-query. Nothing in the warehouse needs them: they are revoked from PUBLIC in every warehouse
-- database (orchestration/roles.py also revokes any direct grant to the reader roles).
--
-- Run as a superuser (PostgreSQL's own functions belong to it), once per database:
-- orchestration/roles.py does it on the embedded server, docker-compose.yml's server runs this
-- file when it initialises its database, another server's administrator runs it with psql
-- (docs/security.md). tests/test_roles.py checks that a search of pg_proc finds no other such
-- function. Function privileges are kept per database: run it again in each new database.
revoke execute on function pg_catalog.ts_stat(text) from public;
revoke execute on function pg_catalog.ts_stat(text, text) from public;
revoke execute on function pg_catalog.ts_rewrite(tsquery, text) from public;
revoke execute on function pg_catalog.query_to_xml(text, boolean, boolean, text) from public;
revoke execute on function pg_catalog.query_to_xmlschema(text, boolean, boolean, text) from public;
revoke execute on function pg_catalog.query_to_xml_and_xmlschema(text, boolean, boolean, text) from public;
revoke execute on function pg_catalog.cursor_to_xml(refcursor, integer, boolean, boolean, text) from public;
revoke execute on function pg_catalog.cursor_to_xmlschema(refcursor, boolean, boolean, text) from public;
revoke execute on function pg_catalog.table_to_xml(regclass, boolean, boolean, text) from public;
revoke execute on function pg_catalog.table_to_xmlschema(regclass, boolean, boolean, text) from public;
revoke execute on function pg_catalog.table_to_xml_and_xmlschema(regclass, boolean, boolean, text) from public;
revoke execute on function pg_catalog.schema_to_xml(name, boolean, boolean, text) from public;
revoke execute on function pg_catalog.schema_to_xmlschema(name, boolean, boolean, text) from public;
revoke execute on function pg_catalog.schema_to_xml_and_xmlschema(name, boolean, boolean, text) from public;
revoke execute on function pg_catalog.database_to_xml(boolean, boolean, text) from public;
revoke execute on function pg_catalog.database_to_xmlschema(boolean, boolean, text) from public;
revoke execute on function pg_catalog.database_to_xml_and_xmlschema(boolean, boolean, text) from public;
