"""Alerts, through the real pipeline on the hand-made landing of tests/marts_landing.py: every
condition the marts show is notified once, to the prefecture and the institution's county only;
a second build sends nothing again; a resolved condition is notified once; SMTP delivery
against a local server (aiosmtpd), including a server that is down at first."""

from __future__ import annotations

from email import message_from_bytes, policy
from datetime import date
from decimal import Decimal
from email.utils import getaddresses
from pathlib import Path

import psycopg
import pytest
from aiosmtpd.controller import Controller

from dashboards.server import free_port
from tests.conftest import create_database, drop_database
from tests.landing_files import write_csv
from tests.marts_landing import BUDGETS, write_marts_landing

CITY = ["市醫保局基金監管科 <jijin@ybj.example>"]
COUNTY = {"450802": ["港北區醫保局 <gangbei@ybj.example>"],
          "450821": ["平南縣醫保局 <pingnan@ybj.example>", "平南縣醫保局局長 <director.pingnan@ybj.example>"],
          "450881": []}
RECIPIENTS = [
    {"scope": "city", "name": "市醫保局基金監管科", "email": "jijin@ybj.example"},
    {"scope": "450802", "name": "港北區醫保局", "email": "gangbei@ybj.example"},
    {"scope": "450821", "name": "平南縣醫保局", "email": "pingnan@ybj.example"},
    {"scope": "450821", "name": "平南縣醫保局局長", "email": "director.pingnan@ybj.example"},
    {"scope": "999999", "name": "不存在的縣", "email": "nobody@ybj.example"},  # quarantined: unknown county
    {"scope": "city", "name": "地址有誤", "email": "not-an-address"},  # quarantined: no e-mail address
]


def landing(root: Path) -> Path:
    write_marts_landing(root)
    write_csv(root / "reference" / "alert_recipients.csv", "alert_recipients", RECIPIENTS)
    return root


def expected_conditions(conn) -> dict[tuple[str, str, str], list[str]]:
    """(kind, subject, level) → recipients, straight from the marts and the recipients above."""
    found = {}
    for fund, status in conn.execute("""select distinct on (fund_code) fund_code, status
                                        from marts.fund_payable_months order by fund_code, month desc"""):
        if status in ("low", "critical", "excess"):
            found["fund_status", fund, status] = CITY
    counties = dict(conn.execute("select institution_code, county_code from marts.dim_institutions"))
    for (code,) in conn.execute("""select institution_code from marts.institution_overspend
                                   where band = 'over' and month = (select max(month) from marts.institution_overspend)"""):
        found["overspend", code, "over"] = CITY + COUNTY[counties[code]]
    for (code,) in conn.execute("select distinct institution_code from marts.suspicious_settlements where is_past_due"):
        found["cases_past_due", code, "past_due"] = CITY + COUNTY[counties[code]]
    return found


def notifications(conn) -> list[tuple]:
    return conn.execute("""select c.kind, c.subject, c.level, n.event, n.recipients, n.delivered_to, n.title,
                                  n.body, n.dashboard_url, n.figure, n.notification_id
                           from audit.notifications as n join audit.alert_conditions as c using (condition_id)
                           order by n.notification_id""").fetchall()


def outbox_files() -> dict[Path, bytes]:
    """The outbox's mails (those of every warehouse the session built: named by notification)."""
    from orchestration.alerts.delivery import outbox

    return {path: path.read_bytes() for path in outbox().glob("*.eml")}


@pytest.fixture(scope="module")
def warehouse(server_url, pipeline, tmp_path_factory):
    """The landing built once for the module; the tests after the first build on it again."""
    url = create_database(server_url)
    outcome = pipeline(url, landing(tmp_path_factory.mktemp("alerts") / "landing"))
    assert outcome.success, outcome.errors
    yield url
    drop_database(server_url, url)


def test_recipient_rows_that_break_a_rule_are_quarantined(warehouse):
    with psycopg.connect(warehouse) as conn:
        assert conn.execute("select count(*) from raw.alert_recipients").fetchone()[0] == 4
        reasons = dict(conn.execute("select line_number, reason from quarantine.alert_recipients"))
    assert reasons == {6: "unknown county_code in scope",
                       7: r"email: does not match ^[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+$: not-an-address"}


def test_each_condition_is_notified_once_to_the_prefecture_and_its_county(warehouse):
    from orchestration.alerts.delivery import outbox

    with psycopg.connect(warehouse) as conn:
        expected = expected_conditions(conn)
        sent = notifications(conn)
    assert {kind for kind, _, _ in expected} == {"fund_status", "overspend", "cases_past_due"}
    assert {(kind, subject, level): recipients for kind, subject, level, event, recipients, *_ in sent} == expected
    assert len(sent) == len(expected) and {s[3] for s in sent} == {"opened"}
    for kind, subject, level, event, recipients, delivered_to, title, body, link, figure, nid in sent:
        path = Path(delivered_to)
        assert path == outbox() / f"{nid:06d}.eml"
        mail = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert [f"{name} <{address}>" for name, address in getaddresses([mail["To"]])] == recipients
        assert mail["Subject"] == title and title.startswith("【預警】")
        assert link and link in mail.get_content() and body in mail.get_content()
    overspend = {s[1]: s for s in sent if s[0] == "overspend"}
    assert set(overspend) == {"C1", "K1", "K2"}  # 15 %, 20 % and a zero budget (tolerance 10 %)
    assert overspend["K1"][9] == Decimal("0.2") and "超支率20.00%" in overspend["K1"][7]
    assert "平南縣" in overspend["K1"][8] or "%E5%B9%B3%E5%8D%97%E7%B8%A3" in overspend["K1"][8]


def test_the_next_build_notifies_only_the_resolved_condition_once(warehouse, pipeline, tmp_path_factory):
    """K1's 2025 budget raised from 100,000 to 200,000: its 40,000 by April are under budget.
    Every other condition holds still and is notified nothing again, in the build's alerts step
    nor in the next one's."""
    from orchestration.alerts import notify

    with psycopg.connect(warehouse) as conn:
        before = notifications(conn)
    mails = outbox_files()
    root = landing(tmp_path_factory.mktemp("alerts-resolved") / "landing")
    raised = [{**b, "annual_budget": "200000.00"} if (b["year"], b["institution_code"]) == ("2025", "K1") else b
              for b in BUDGETS]
    write_csv(root / "reference" / "budgets.csv", "budgets", raised)
    outcome = pipeline(warehouse, root)
    assert outcome.success, outcome.errors
    with psycopg.connect(warehouse, autocommit=True) as conn:
        (recorded, deliveries) = notify(conn)  # what the next build's alerts step does
        assert (recorded.opened, recorded.resolved, deliveries) == (0, 0, [])
        after = notifications(conn)
        assert conn.execute("select count(*) from audit.alert_conditions where resolved_at is null").fetchone()[0] \
            == len(before) - 1
        (condition,) = conn.execute("""select resolved_month, resolved_figure from audit.alert_conditions
                                       where subject = 'K1' and resolved_at is not null""").fetchall()
    assert after[:len(before)] == before
    resolved = after[len(before):]
    assert [(s[0], s[1]) for s in resolved] == [("overspend", "K1")]
    kind, subject, level, event, recipients, delivered_to, title, body, link, figure, nid = resolved[0]
    assert {path for path, mail in outbox_files().items() if mails.get(path) != mail} == {Path(delivered_to)}
    assert recipients == CITY + COUNTY["450821"]
    assert title.startswith("【預警解除】") and "超支率-40.00%" in body and "未超支" in body
    assert condition == (date(2025, 4, 1), Decimal("-0.4")) and figure == Decimal("-0.4")


class Collector:
    """An aiosmtpd handler that keeps every message with its envelope recipients."""

    def __init__(self):
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def test_smtp_delivers_each_notification_once_and_retries_when_the_server_was_down(warehouse, cloned_warehouse):
    """On a copy of the module's warehouse with no alert recorded yet, the alerts step of a build
    (notify) while nobody listens on the SMTP port, then the next builds' delivery once it listens."""
    from orchestration.alerts import notify
    from orchestration.alerts.delivery import SmtpSettings, deliver_pending

    url = cloned_warehouse(warehouse)
    port = free_port()
    outbox_before = outbox_files()
    collector = Collector()
    with pytest.MonkeyPatch.context() as mp, psycopg.connect(url, autocommit=True) as conn:
        mp.setenv("YIBAO_SMTP_HOST", "127.0.0.1")
        mp.setenv("YIBAO_SMTP_PORT", str(port))
        conn.execute("truncate audit.notifications, audit.alert_conditions")
        notify(conn)  # nobody listens on the port yet
        pending = conn.execute("""select count(*), min(attempts), bool_and(last_error is not null)
                                  from audit.notifications where delivered_at is null""").fetchone()
        total = conn.execute("select count(*) from audit.notifications").fetchone()[0]
        assert pending == (total, 1, True) and total > 0

        controller = Controller(collector, hostname="127.0.0.1", port=port)
        controller.start()
        try:  # what the next builds' alerts step does: deliver what is pending, then nothing
            first = deliver_pending(conn, SmtpSettings.from_environment())
            again = deliver_pending(conn, SmtpSettings.from_environment())
            expected = expected_conditions(conn)
            sent = notifications(conn)
        finally:
            controller.stop()
    assert len(first) == total and all(d.error is None for d in first) and again == []
    assert len(collector.messages) == len(sent) == len(expected)
    by_id = {}
    for envelope, content in collector.messages:
        mail = message_from_bytes(content, policy=policy.default)
        by_id[int(mail["X-Yibao-Notification"])] = (envelope, mail)
    for kind, subject, level, event, recipients, delivered_to, title, *_, nid in sent:
        envelope, mail = by_id[nid]
        assert envelope == [address for _, address in getaddresses(recipients)]
        assert mail["Subject"] == title and delivered_to == f"smtp://127.0.0.1:{port}"
    assert outbox_files() == outbox_before  # SMTP instead of the outbox
