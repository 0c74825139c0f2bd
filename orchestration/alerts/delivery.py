"""Delivering the recorded notifications once: as e-mail files (`.eml`) in the outbox
`$YIBAO_HOME/outbox` by default, or through an SMTP server when `YIBAO_SMTP_HOST` is set.

Each notification is sent inside a transaction that holds its row locked (`for update skip
locked`), and marked delivered in it: two runs never send the same one, and a failed send is
recorded (attempts, last_error) and tried again by the next build.
"""

from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

import psycopg

from orchestration.settings import SmtpSettings, outbox

SIGNATURE = "（本郵件由醫保基金數據倉庫根據最新數據自動發送，請勿直接回覆。）"


class NoRecipient(Exception):
    """SMTP needs a recipient; the outbox takes a message addressed to nobody."""


@dataclass(frozen=True)
class Delivery:
    notification_id: int
    title: str
    delivered_to: str | None  # the outbox file or `smtp://host:port`; None when it failed
    error: str | None = None


def sender() -> str:
    return os.environ.get("YIBAO_ALERT_FROM", "yibao-warehouse@localhost")


def deliver_pending(conn: psycopg.Connection, smtp: SmtpSettings | None = None) -> list[Delivery]:
    """Send every notification not yet delivered, oldest first (`conn` in autocommit mode)."""
    pending = [row[0] for row in conn.execute(
        "select notification_id from audit.notifications where delivered_at is null order by notification_id")]
    deliveries = []
    for notification_id in pending:
        with conn.transaction():
            row = conn.execute(
                """select notification_id, title, body, dashboard_url, recipients, created_at
                   from audit.notifications
                   where notification_id = %s and delivered_at is null
                   for update skip locked""", [notification_id]).fetchone()
            if row is None:  # delivered meanwhile by another run
                continue
            message = _message(*row)
            try:
                where = _send_smtp(message, smtp) if smtp else _write_eml(message, notification_id)
            except (OSError, smtplib.SMTPException, NoRecipient) as failed:
                conn.execute("""update audit.notifications set attempts = attempts + 1, last_error = %s
                                where notification_id = %s""", [str(failed), notification_id])
                deliveries.append(Delivery(notification_id, row[1], None, str(failed)))
                continue
            conn.execute("""update audit.notifications
                            set delivered_at = clock_timestamp(), delivered_to = %s, attempts = attempts + 1,
                                last_error = null
                            where notification_id = %s""", [where, notification_id])
            deliveries.append(Delivery(notification_id, row[1], where))
    return deliveries


def _message(notification_id: int, title: str, body: str, link: str, recipients: list[str], created_at) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = title
    message["From"] = sender()
    if recipients:
        message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(created_at)
    message["Message-ID"] = make_msgid(f"yibao-notification-{notification_id}")
    message["X-Yibao-Notification"] = str(notification_id)
    message.set_content("\n\n".join(part for part in (body, f"詳見：{link}" if link else "", SIGNATURE) if part))
    return message


def _write_eml(message: EmailMessage, notification_id: int) -> str:
    """Into the outbox, whole or not at all (written aside, then renamed)."""
    folder = outbox()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{notification_id:06d}.eml"
    partial = path.with_suffix(".eml.part")
    partial.write_bytes(bytes(message))
    partial.replace(path)
    return str(path)


def _send_smtp(message: EmailMessage, smtp: SmtpSettings) -> str:
    if "To" not in message:
        raise NoRecipient("no recipient for this alert in reference/alert_recipients.csv")
    with smtplib.SMTP(smtp.host, smtp.port, timeout=30) as server:
        if smtp.starttls:
            server.starttls()
        if smtp.user:
            server.login(smtp.user, smtp.password or "")
        server.send_message(message)
    return f"smtp://{smtp.host}:{smtp.port}"
