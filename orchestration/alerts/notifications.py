"""Alerts recorded in the warehouse: each condition once when it opens, once when it resolves.

`audit.alert_conditions` holds one row per episode of a condition (kind, subject, level): opened
when a build first finds it, resolved when a later build no longer does; a unique index allows
one open episode per condition, so the same condition is never opened twice while it holds.
`audit.notifications` holds what is sent: one row per episode and event (`opened`, `resolved`),
with the figure, the text, the dashboard link and the recipients, and when and how it was
delivered. Recipients are fixed when a notification is recorded, from raw.alert_recipients
(reference/alert_recipients.csv): the prefecture's (`city`) for every alert, a county's for
the alerts on its institutions.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.headerregistry import Address

import psycopg

from orchestration.alerts.conditions import CITY, State, current_states

DDL = """
create table if not exists audit.alert_conditions (
    condition_id bigserial primary key,
    kind text not null,
    subject text not null,
    level text not null,
    scope text not null,
    opened_month date not null,
    opened_figure numeric,
    opened_at timestamptz not null default clock_timestamp(),
    resolved_month date,
    resolved_figure numeric,
    resolved_at timestamptz
);
create unique index if not exists alert_conditions_open_idx
    on audit.alert_conditions (kind, subject, level) where resolved_at is null;
comment on table audit.alert_conditions is
    'Episodes of alert conditions (kind, subject, level): opened by the build that first found one, resolved by the first build that no longer does';
create table if not exists audit.notifications (
    notification_id bigserial primary key,
    condition_id bigint not null references audit.alert_conditions,
    event text not null check (event in ('opened', 'resolved')),
    month date not null,
    figure numeric,
    title text not null,
    body text not null,
    dashboard_url text not null,
    recipients text[] not null,
    created_at timestamptz not null default clock_timestamp(),
    delivered_at timestamptz,
    delivered_to text,
    attempts integer not null default 0,
    last_error text,
    unique (condition_id, event)
);
comment on table audit.notifications is
    'Alert notifications: what, when, the figure, the dashboard link and to whom; delivered once (delivered_at)';
"""


@dataclass(frozen=True)
class Recorded:
    opened: int
    resolved: int


def ensure_tables(conn: psycopg.Connection) -> None:
    conn.execute(DDL)


def record_notifications(conn: psycopg.Connection) -> Recorded:
    """Compare the marts' current states with the open conditions, in one transaction: open and
    notify the new conditions, resolve and notify the ones that no longer hold."""
    with conn.transaction():
        # One build at a time compares and records (two runs must not open the same condition).
        conn.execute("lock table audit.alert_conditions in share row exclusive mode")
        states = current_states(conn)
        alarming = {state.key: state for state in states if state.level}
        now = {(state.kind, state.subject): state for state in states}
        open_ = {(kind, subject, level): condition_id for condition_id, kind, subject, level in conn.execute(
            "select condition_id, kind, subject, level from audit.alert_conditions where resolved_at is null")}
        recipients = _recipients(conn)
        for key in alarming.keys() - open_.keys():
            _open(conn, alarming[key], recipients)
        for key in open_.keys() - alarming.keys():
            _resolve(conn, open_[key], key, now.get(key[:2]), recipients)
    return Recorded(len(alarming.keys() - open_.keys()), len(open_.keys() - alarming.keys()))


def _recipients(conn: psycopg.Connection) -> dict[str, list[str]]:
    """Scope → its recipients as `name <email>`; none when the reference file was never loaded."""
    by_scope: dict[str, list[str]] = {}
    if conn.execute("select to_regclass('raw.alert_recipients')").fetchone()[0] is None:
        return by_scope
    for scope, name, email in conn.execute(
            "select scope, name, email from raw.alert_recipients order by scope, _line_number"):
        by_scope.setdefault(scope, []).append(str(Address(display_name=name, addr_spec=email)))
    return by_scope


def _to(recipients: dict[str, list[str]], scope: str) -> list[str]:
    """The prefecture's recipients hear of everything, a county's of its own institutions."""
    return recipients.get(CITY, []) + (recipients.get(scope, []) if scope != CITY else [])


def _open(conn: psycopg.Connection, state: State, recipients: dict[str, list[str]]) -> None:
    condition_id = conn.execute(
        """insert into audit.alert_conditions (kind, subject, level, scope, opened_month, opened_figure)
           values (%s, %s, %s, %s, %s, %s) returning condition_id""",
        [state.kind, state.subject, state.level, state.scope, state.month, state.figure]).fetchone()[0]
    _notify(conn, condition_id, "opened", state.month, state.figure, f"【預警】{state.title}",
            f"{state.text}\n請及時核實處理。", state.link, _to(recipients, state.scope))


def _resolve(conn: psycopg.Connection, condition_id: int, key: tuple[str, str, str], state: State | None,
             recipients: dict[str, list[str]]) -> None:
    """Resolve an open condition; `state` is its subject's state now (None: no longer in the marts)."""
    kind, subject, level = key
    scope, opened_title = conn.execute(
        """select c.scope, n.title from audit.alert_conditions as c
           join audit.notifications as n on n.condition_id = c.condition_id and n.event = 'opened'
           where c.condition_id = %s""", [condition_id]).fetchone()
    month = state.month if state else conn.execute("select max(month) from marts.dim_months").fetchone()[0]
    conn.execute("""update audit.alert_conditions
                    set resolved_at = clock_timestamp(), resolved_month = %s, resolved_figure = %s
                    where condition_id = %s""", [month, state.figure if state else None, condition_id])
    now = state.text if state else f"最新數據（截至{month:%Y-%m}）中已無{subject}的相關數據。"
    _notify(conn, condition_id, "resolved", month, state.figure if state else None,
            f"【預警解除】{opened_title.removeprefix('【預警】')}", f"此前的預警已解除。現狀：{now}",
            state.link if state else "", _to(recipients, scope))


def _notify(conn: psycopg.Connection, condition_id: int, event: str, month, figure, title: str, body: str,
            link: str, to: list[str]) -> None:
    conn.execute(
        """insert into audit.notifications (condition_id, event, month, figure, title, body, dashboard_url, recipients)
           values (%s, %s, %s, %s, %s, %s, %s, %s)""",
        [condition_id, event, month, figure, title, body, link, to])
