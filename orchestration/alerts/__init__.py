"""Alerts (預警通知): conditions found in the marts after each build, recorded in the warehouse
and delivered once (outbox or SMTP); see conditions.py, notifications.py and delivery.py."""

from __future__ import annotations

import psycopg

from orchestration.alerts.delivery import Delivery, SmtpSettings, deliver_pending
from orchestration.alerts.notifications import Recorded, ensure_tables, record_notifications

__all__ = ["Delivery", "Recorded", "notify"]


def notify(conn: psycopg.Connection) -> tuple[Recorded, list[Delivery]]:
    """Record what the marts say now and deliver every pending notification (`conn` in
    autocommit mode)."""
    ensure_tables(conn)
    recorded = record_notifications(conn)
    return recorded, deliver_pending(conn, SmtpSettings.from_environment())
