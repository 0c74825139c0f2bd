"""Links into the dashboards with their native filters already set (the bulletin's and the
alerts' "詳見" links).

Superset reads a dashboard's filter state from the URL parameter `native_filters`: a rison
object from native filter id to its data mask (`extraFormData` is what the charts' queries get,
`filterState` what the filter bar shows). The filters are looked up in the bundle by what they
filter, so a link follows a renamed filter id.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from urllib.parse import quote

import prison
import yaml

from dashboards.settings import ASSETS
from orchestration.settings import superset_url

FUND_OVERVIEW = "fund-overview"
KEY_INSTITUTIONS = "key-institutions"
BUDGET_OVERSPEND = "budget-overspend"
INSPECTIONS = "inspections"


@cache
def native_filters(slug: str) -> list[dict]:
    """The native filter configuration of the dashboard `slug` in the bundle."""
    path = ASSETS / "dashboards" / f"{slug}.yaml"
    if not path.exists():
        raise ValueError(f"no dashboard {slug!r} in {ASSETS / 'dashboards'}")
    return yaml.safe_load(path.read_text(encoding="utf-8"))["metadata"]["native_filter_configuration"]


def dashboard_link(slug: str, *, period: str | None = None, months: tuple[date, date] | None = None,
                   county_name: str | None = None) -> str:
    """The dashboard `slug` with its half-year filter set to `period` (`YYYY-Hn`), its time
    filter to `months` (first day of the first month, first day after the last), its county
    filter to `county_name`; filters the dashboard lacks are left out."""
    wanted = {"period": period, "county_name": county_name}
    masks = {}
    for config in native_filters(slug):
        if config["filterType"] == "filter_time" and months:
            value = f"{months[0]:%Y-%m-%d} : {months[1]:%Y-%m-%d}"
            masks[config["id"]] = _mask(config["id"], {"time_range": value}, value)
        elif config["filterType"] == "filter_select":
            column = config["targets"][0]["column"]["name"]
            if wanted.get(column):
                value = [wanted[column]]
                masks[config["id"]] = _mask(config["id"], {"filters": [{"col": column, "op": "IN", "val": value}]},
                                            value)
    url = f"{superset_url()}/superset/dashboard/{slug}/"
    return f"{url}?native_filters={quote(prison.dumps(masks), safe=SAFE)}" if masks else url


# Rison's punctuation, left as it is in the query string (URLSearchParams decodes the rest).
SAFE = "()!:,'-_.~*"


def _mask(filter_id: str, extra_form_data: dict, value) -> dict:
    return {"id": filter_id, "extraFormData": extra_form_data, "filterState": {"value": value}, "ownState": {}}

