"""The alerts as a Dagster asset: after every build, conditions are recorded in
audit.notifications and the pending notifications delivered (orchestration/alerts)."""

import dagster as dg

from orchestration.alerts import notify
from orchestration.resources import WarehouseResource

NOTIFICATIONS = dg.AssetKey(["audit", "notifications"])
MARTS_READ = ["dim_institutions", "dim_months", "fund_payable_months", "institution_overspend", "suspicious_settlements"]


@dg.asset(key=NOTIFICATIONS, group_name="alerts", kinds={"postgres", "email"},
          deps=[*(dg.AssetKey(["marts", m]) for m in MARTS_READ), dg.AssetKey(["raw", "alert_recipients"])],
          description="預警通知: a fund's payable months in a warning band, an institution over its quota, "
                      "cases past their verification deadline; each condition notified once when it opens "
                      "and once when it resolves, as .eml in $YIBAO_HOME/outbox or by SMTP.")
def alert_notifications(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect() as conn:
        recorded, deliveries = notify(conn)
    failed = [d for d in deliveries if d.error]
    for delivery in failed:
        context.log.warning(f"notification {delivery.notification_id} not delivered: {delivery.error}")
    return dg.MaterializeResult(metadata={
        "opened": recorded.opened, "resolved": recorded.resolved,
        "delivered": len(deliveries) - len(failed), "not_delivered": len(failed),
        "deliveries": dg.MetadataValue.md("\n".join(
            f"- {d.title} → {d.delivered_to or d.error}" for d in deliveries) or "none"),
    })
