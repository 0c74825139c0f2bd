"""Superset roles for the bureau's users (DOMAIN.md "Who uses it") and the county filters.

- 領導 (leadership): opens dashboards and charts; edits nothing.
- 工作組 (working group): Superset's Gamma on the warehouse: explores, builds its own charts and
  dashboards, downloads CSV for the bulletin.
- 分析員 (analysts): the working group plus SQL Lab. Superset connects as the read-only
  PostgreSQL role, so SQL Lab reaches the marts and nothing with personal data.
- 縣區 <code> <name>, one per county: opens dashboards, but only datasets that have a
  `county_code` column, each filtered by a row-level security rule `county_code = '<code>'`.
  Charts on prefecture-wide datasets (the fund balance) stay closed to county users. Their
  queries run as the county's PostgreSQL role (superset_config.DB_CONNECTION_MUTATOR), whose
  own row-level security holds the county filter whatever SQL expression a chart sends.

Roles and rules are not part of Superset's bundles; they are set through the REST API, matched
by name, on every start: running it again leaves the same state.
"""

from __future__ import annotations

from dashboards.client import SupersetClient
from dashboards.counties import superset_role

LEADERSHIP, WORKING_GROUP, ANALYSTS = "領導", "工作組", "分析員"
COUNTY_COLUMN = "county_code"

# Gamma permissions that change something; a viewer keeps the rest. Dashboards still write their
# own filter state and permalinks, so the *RestApi state stores keep their can_write.
_EDITING = {"can_write", "can_tag", "can_add", "can_edit", "can_delete", "can_bulk_create",
            "can_delete_embedded", "can_export_as_example", "can_put_chart_customizations"}
_VIEW_STATE = {"DashboardFilterStateRestApi", "DashboardPermalinkRestApi", "ExploreFormDataRestApi",
               "ExplorePermalinkRestApi", "CurrentUserRestApi"}

Permission = tuple[str, str]  # (permission name, view menu name)


def ensure_access(client: SupersetClient, database: str, counties: list[tuple[str, str]]) -> None:
    """Create or update the group roles, one role per (county_code, county_name) and its row
    filters on every dataset of `database` that has a county_code column."""
    ids = _permission_ids(client)
    roles = {role["name"]: role["id"] for role in client.every("/api/v1/security/roles/", order="id")}
    gamma, sql_lab = _role_permissions(client, roles["Gamma"]), _role_permissions(client, roles["sql_lab"])
    viewing = {p for p in gamma if p[0] not in _EDITING or p[1] in _VIEW_STATE}
    database_id = _database_id(client, database)
    warehouse = {("database_access", f"[{database}].(id:{database_id})")}
    county_datasets = _datasets_with_column(client, database_id, COUNTY_COLUMN)
    county_data = {("datasource_access", f"[{database}].[{table}](id:{id_})") for id_, table in county_datasets}

    _set_role(client, roles, ids, LEADERSHIP, viewing | warehouse)
    _set_role(client, roles, ids, WORKING_GROUP, gamma | warehouse)
    _set_role(client, roles, ids, ANALYSTS, gamma | sql_lab | warehouse)
    rules = {rule["name"]: rule["id"] for rule in client.every("/api/v1/rowlevelsecurity/", ("id", "name"))}
    for code, name in counties:
        role_id = _set_role(client, roles, ids, superset_role(code, name), viewing | county_data)
        if county_datasets:
            _set_rule(client, rules, {
                "name": f"{COUNTY_COLUMN} {code}", "filter_type": "Regular", "group_key": COUNTY_COLUMN,
                "clause": f"{COUNTY_COLUMN} = '{code}'", "description": f"{name}: its own county only",
                "tables": [id_ for id_, _ in county_datasets], "roles": [role_id]})


def _permission_ids(client: SupersetClient) -> dict[Permission, int]:
    return {(p["permission"]["name"], p["view_menu"]["name"]): p["id"]
            for p in client.every("/api/v1/security/permissions-resources/", order="id")}


def _role_permissions(client: SupersetClient, role_id: int) -> set[Permission]:
    return {(p["permission_name"], p["view_menu_name"])
            for p in client.get(f"/api/v1/security/roles/{role_id}/permissions/")["result"]}


def _database_id(client: SupersetClient, name: str) -> int:
    for database in client.every("/api/v1/database/", ("id", "database_name")):
        if database["database_name"] == name:
            return database["id"]
    raise LookupError(f"Superset has no database {name!r}: was the bundle imported?")


def _datasets_with_column(client: SupersetClient, database_id: int, column: str) -> list[tuple[int, str]]:
    found = []
    for dataset in client.every("/api/v1/dataset/", ("id", "table_name", "database.id")):
        if dataset["database"]["id"] != database_id:
            continue
        columns = client.get(f"/api/v1/dataset/{dataset['id']}")["result"]["columns"]
        if any(c["column_name"] == column for c in columns):
            found.append((dataset["id"], dataset["table_name"]))
    return found


def _set_role(client: SupersetClient, roles: dict[str, int], ids: dict[Permission, int],
              name: str, permissions: set[Permission]) -> int:
    """Create the role if needed and give it exactly `permissions`."""
    if name not in roles:
        roles[name] = client.post("/api/v1/security/roles/", {"name": name})["id"]
    missing = permissions - ids.keys()
    if missing:
        raise LookupError(f"Superset has no permission(s) {sorted(missing)} for role {name}")
    client.post(f"/api/v1/security/roles/{roles[name]}/permissions",
                {"permission_view_menu_ids": sorted(ids[p] for p in permissions)})
    return roles[name]


def _set_rule(client: SupersetClient, rules: dict[str, int], rule: dict) -> None:
    if rule["name"] in rules:
        client.put(f"/api/v1/rowlevelsecurity/{rules[rule['name']]}", rule)
    else:
        client.post("/api/v1/rowlevelsecurity/", rule)
