"""What logistics tells the apps above it (marketplace). Logistics knows goods and opaque
references, not orders: each signal carries the reference the caller gave (e.g. "order:12",
"return:7") and the higher app maps it back. Receivers are one service call each
(ARCHITECTURE.md), connected in the receiving app's AppConfig.ready().

Sent synchronously, inside the sending service's transaction (as brands does), not on commit:
a receiver's writes commit or roll back together with the logistics change, so an order can
never be marked fulfilled for a delivery that rolled back, nor a delivery be recorded while the
order update failed. A receiver that raises therefore undoes the logistics step as well, so
receivers must not do slow or outbound work themselves; they queue it with
transaction.on_commit. Each signal is sent once per transition (a repeated webhook or a second
"delivered" event sends nothing), and receivers should still be idempotent.
"""

from django.dispatch import Signal

# A shipment reached its recipient: kwargs shipment_id, reference (the fulfilment's or the
# consignment's reference).
shipment_delivered = Signal()

# A physical return arrived at its returns centre and was counted: kwargs physical_return_id,
# reference.
return_received = Signal()

# A physical return was graded unit by unit: kwargs physical_return_id, reference, grades (units
# per grade over all lines, {"A": n, "B": n, "C": n}).
return_inspected = Signal()

# A stock row's on hand or reserved units changed (receipt, adjustment, reservation, release,
# shipment): kwargs variant_id. Syndication pushes the new available quantity to channels.
stock_changed = Signal()

# A shipment left a warehouse with a carrier: kwargs shipment_id, reference (the fulfilment's),
# carrier, tracking_number. Syndication tells the channel of a channel order.
shipment_shipped = Signal()

# Backordered units (preorder, made to order) of a reference arrived with an inbound shipment
# and are reserved from stock: kwargs reference (the backorders' own, e.g. "order:12") and
# reservation_reference (the new reservation holding them, "<reference>:inbound:<id>").
backorders_stocked = Signal()
