"""Stock and reservations. Every change of a stock row goes through `_move`, which writes the
row and its ledger entry together; rows are locked through logistics.locks in id order."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, connection, connections, router, transaction
from django.utils import timezone

from core.errors import Conflict, InvalidInput, WrongState
from core.sql import columns, instance, table, typed_rows
from listings.models import Variant
from logistics.locks import stock_lock, stock_lock_for_variants
from logistics.models import Reservation, ReservationLine, Stock, StockMovement, Warehouse, WarehouseRoute, Zone
from logistics.services.backorders import Capacity, backorder_capacity, backorders_create
from logistics.services.events import stock_low_publish
from logistics.signals import stock_changed

K = StockMovement.Kind


class InsufficientStock(Conflict):
    code = "insufficient_stock"


@dataclass(frozen=True)
class Line:
    variant_id: int
    quantity: int


@dataclass(frozen=True)
class Move:
    """A change of one locked stock row: the deltas of its on hand, reserved and quarantined units."""

    stock: Stock
    on_hand: int = 0
    reserved: int = 0
    quarantined: int = 0


# One statement for the rows and their ledger (and a new reservation's lines): the UPDATE's
# RETURNING rows feed the INSERTs.
MOVES_SQL = """
WITH delta (id, on_hand, reserved, quarantined) AS (VALUES {values}),
moved AS (
    UPDATE logistics_stock AS s
    SET on_hand = s.on_hand + delta.on_hand, reserved = s.reserved + delta.reserved,
        quarantined = s.quarantined + delta.quarantined, updated_at = %s
    FROM delta WHERE s.id = delta.id
    RETURNING s.id, delta.on_hand, delta.reserved, delta.quarantined
){lines}
INSERT INTO logistics_stockmovement
    (stock_id, kind, on_hand_delta, reserved_delta, quarantined_delta, reference, actor_id, created_at)
SELECT id, %s, on_hand, reserved, quarantined, %s, %s, %s FROM moved ORDER BY id
"""
RESERVATION_LINES_SQL = """,
reserved_lines AS (
    INSERT INTO logistics_reservationline (reservation_id, stock_id, quantity, quantity_shipped)
    SELECT %s, id, reserved, 0 FROM moved ORDER BY id
)"""


def _moves(moves: list[Move], kind: str, *, reference: str, actor=None, reservation: Reservation | None = None) -> None:
    """Applies the deltas to stock rows the caller has locked and appends one ledger entry per
    row (and, given a new `reservation`, its lines: the units each row reserves): on PostgreSQL
    in one statement whatever the number of rows, elsewhere an UPDATE per row and an INSERT per
    table. The database's check constraints refuse anything that would go negative or reserve
    beyond on hand. Then tells the apps above which variants' stock changed."""
    merged: dict[int, Move] = {}  # one delta per row: an UPDATE ... FROM changes a row once
    for m in moves:
        if (seen := merged.get(m.stock.pk)) is not None:
            m = Move(seen.stock, seen.on_hand + m.on_hand, seen.reserved + m.reserved, seen.quarantined + m.quarantined)
        merged[m.stock.pk] = m
    moves = list(merged.values())
    if not moves:
        return
    now = timezone.now()
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    for move in moves:
        move.stock.on_hand += move.on_hand
        move.stock.reserved += move.reserved
        move.stock.quarantined += move.quarantined
        move.stock.updated_at = now
    if connection.vendor == "postgresql":
        values = ", ".join(["(%s::bigint, %s::integer, %s::integer, %s::integer)"] * len(moves))
        params = [x for m in moves for x in (m.stock.pk, m.on_hand, m.reserved, m.quarantined)]
        lines = RESERVATION_LINES_SQL if reservation is not None else ""
        params += [now, *([reservation.pk] if reservation is not None else []), kind, reference, actor_id, now]
        with connection.cursor() as cursor:
            cursor.execute(MOVES_SQL.format(values=values, lines=lines), params)
    else:
        if reservation is not None:
            ReservationLine.objects.bulk_create(
                ReservationLine(reservation=reservation, stock=m.stock, quantity=m.reserved) for m in moves
            )
        for move in moves:
            move.stock.save(update_fields=["on_hand", "reserved", "quarantined", "updated_at"])
        StockMovement.objects.bulk_create(
            StockMovement(
                stock=m.stock,
                kind=kind,
                on_hand_delta=m.on_hand,
                reserved_delta=m.reserved,
                quarantined_delta=m.quarantined,
                reference=reference,
                actor_id=actor_id,
            )
            for m in moves
        )
    # stock.low is a replenishment prompt: units physically on hand (shipped, adjusted, disposed)
    # fell below the threshold. Reservations do not move it, so checkout pays nothing for it.
    threshold = settings.STOCK_LOW_THRESHOLD
    crossed = [m.stock for m in moves if m.on_hand < 0 and m.stock.on_hand < threshold <= m.stock.on_hand - m.on_hand]
    if crossed:
        stock_low_publish(crossed)
    for variant_id in dict.fromkeys(m.stock.variant_id for m in moves if m.on_hand or m.reserved):
        stock_changed.send(sender=Stock, variant_id=variant_id)


def _move(stock: Stock, kind: str, *, on_hand=0, reserved=0, quarantined=0, reference="", actor=None) -> Stock:
    """One row's change and its ledger entry (see _moves)."""
    _moves([Move(stock, on_hand, reserved, quarantined)], kind, reference=reference, actor=actor)
    return stock


def _stock_row(variant: Variant, warehouse: Warehouse) -> Stock:
    """The locked stock row of a variant in a warehouse, created empty on first use."""
    stock = Stock.objects.filter(variant=variant, warehouse=warehouse).first()
    if stock is None:
        try:
            with transaction.atomic():
                stock = Stock.objects.create(variant=variant, warehouse=warehouse)
        except IntegrityError:  # created concurrently
            stock = Stock.objects.get(variant=variant, warehouse=warehouse)
    return stock_lock([stock.pk])[stock.pk]


@transaction.atomic
def stock_receive(
    *,
    variant: Variant,
    warehouse: Warehouse,
    quantity: int,
    quarantined: int = 0,
    reference: str,
    actor=None,
    kind=K.RECEIPT,
) -> Stock:
    """Goods arrive: `quantity` sellable units and `quarantined` units kept apart."""
    if quantity < 0 or quarantined < 0 or quantity + quarantined == 0:
        raise InvalidInput("Receive a positive number of units.", attr="quantity")
    stock = _stock_row(variant, warehouse)
    if quantity:
        _move(stock, kind, on_hand=quantity, reference=reference, actor=actor)
    if quarantined:
        _move(
            stock,
            K.QUARANTINE if kind == K.RECEIPT else K.RETURN_QUARANTINE,
            quarantined=quarantined,
            reference=reference,
            actor=actor,
        )
    return stock


@transaction.atomic
def stock_adjust(*, stock: Stock, delta: int, reference: str, actor=None) -> Stock:
    """A counted correction of on hand (never below what is reserved)."""
    stock = stock_lock([stock.pk])[stock.pk]
    if stock.on_hand + delta < stock.reserved:
        raise Conflict(f"On hand cannot drop below the {stock.reserved} units reserved.", attr="delta")
    return _move(stock, K.ADJUST, on_hand=delta, reference=reference, actor=actor)


@transaction.atomic
def stock_dispose_quarantined(*, stock: Stock, quantity: int, reference: str, actor=None) -> Stock:
    stock = stock_lock([stock.pk])[stock.pk]
    if not 0 < quantity <= stock.quarantined:
        raise Conflict(f"Only {stock.quarantined} units are quarantined.", attr="quantity")
    return _move(stock, K.DISPOSE, quarantined=-quantity, reference=reference, actor=actor)


def zone_for_country(country: str) -> Zone | None:
    # Zones hold comma-separated two-letter codes, so a substring match cannot straddle two codes.
    return Zone.objects.filter(countries__contains=country).order_by("code").first()


# The destination's zone (the first by code whose countries hold it) as a subquery; its parameter
# is f"%{country}%": a zone's countries are one comma-separated column, matched as the ORM's
# `contains` matches them.
ZONE_SQL = f"SELECT z.id FROM {table(Zone)} z WHERE z.countries LIKE %s ORDER BY z.code LIMIT 1"  # noqa: S608 - our table name
WAREHOUSE_FIELDS = tuple(Warehouse._meta.concrete_fields)


def warehouses_for_destination(*, country: str) -> list[Warehouse]:
    """Warehouses that ship to the country, best first: the routes of its zone (an overseas DC in
    the buyer's region, then the consolidation hub), as operators configured them, in one query
    (plain SQL, core.sql: checkout asks on every pricing with options)."""
    db = connections[router.db_for_read(Warehouse)]
    sql = f"""
        SELECT {columns(Warehouse, "w")} FROM {table(WarehouseRoute)} r
        JOIN {table(Warehouse)} w ON w.id = r.warehouse_id
        WHERE w.is_active AND r.zone_id = ({ZONE_SQL})
        ORDER BY r.priority, r.warehouse_id
    """  # noqa: S608 - table names from the models, values bound as parameters
    chosen = [instance(Warehouse, db, row) for row in typed_rows(db, sql, [f"%{country}%"], WAREHOUSE_FIELDS)]
    if not chosen:
        # No route for the zone: ship from the consolidation hubs.
        chosen = list(Warehouse.objects.filter(kind=Warehouse.Kind.CONSOLIDATION, is_active=True).order_by("pk"))
    return chosen


def stock_reserve(
    *,
    reference: str,
    lines: list[Line],
    destination_country: str,
    expires_at: datetime | None = None,
    actor=None,
    from_warehouses: list[Warehouse] | None = None,
    backorders: bool = False,
) -> Reservation | None:
    """Reserves every line or nothing, from the destination's warehouses in priority order
    (or only from `from_warehouses`, as a consignment leaving one building does), splitting a
    line across warehouses when one does not hold enough.

    A handful of statements whatever the number of lines: the warehouses, the stock rows locked
    in id order (one SELECT ... FOR UPDATE), then, when every line is covered, the reservation,
    and the rows with their ledger and the reservation's lines (one statement on PostgreSQL).
    No savepoint: a shortage is refused after the transaction block, before anything is written,
    so the caller's transaction stays usable; a second active reservation for the reference (a
    programming error, refused by the database) aborts it.

    With `backorders`, what stock cannot cover of a preorder or made-to-order variant is claimed
    as backorders up to the variant's cap (logistics.services.backorders, under the variant's
    row lock, taken after the stock rows); with nothing in stock at all no reservation is made
    (None). Only a shortage costs these extra statements."""
    if not lines or any(line.quantity < 1 for line in lines):
        raise InvalidInput("Reserve at least one unit of each line.", attr="lines")
    wanted: dict[int, int] = {}
    for line in lines:
        wanted[line.variant_id] = wanted.get(line.variant_id, 0) + line.quantity
    short = []
    with transaction.atomic(savepoint=False):
        warehouses = from_warehouses or warehouses_for_destination(country=destination_country)
        rank = {warehouse.pk: i for i, warehouse in enumerate(warehouses)}
        rows = list(stock_lock_for_variants(wanted, rank))
        takes: list[Move] = []
        for variant_id, quantity in wanted.items():
            candidates = sorted((s for s in rows if s.variant_id == variant_id), key=lambda s: rank[s.warehouse_id])
            remaining = quantity
            for stock in candidates:
                take = min(stock.available, remaining)
                if take > 0:
                    takes.append(Move(stock, reserved=take))
                    remaining -= take
                if remaining == 0:
                    break
            if remaining:
                short.append((variant_id, quantity - remaining, quantity))
        claims: dict[int, tuple[Capacity, int]] = {}
        if short and backorders:
            capacity = backorder_capacity(variant_id for variant_id, _, _ in short)
            still = []
            for variant_id, have, want in short:
                room = capacity.get(variant_id)
                if room is not None and want - have <= room.left:
                    claims[variant_id] = (room, want - have)
                else:
                    still.append((variant_id, have + (room.left if room else 0), want))
            short = still
        if not short:
            reservation = None
            if takes:
                reservation = Reservation(
                    reference=reference, destination_country=destination_country, expires_at=expires_at
                )
                try:
                    reservation.save()
                except IntegrityError:
                    raise Conflict(f"{reference} already holds an active reservation.", attr="reference") from None
                _moves(takes, K.RESERVE, reference=reference, actor=actor, reservation=reservation)
            if claims:
                backorders_create(reference=reference, claims=claims)
            return reservation
    skus = dict(Variant.objects.filter(pk__in=[v for v, _, _ in short]).values_list("pk", "sku"))
    raise InsufficientStock(
        "Not enough stock for every line; nothing was reserved.",
        reasons=[("insufficient_stock", f"{skus[v]}: {have} of {want} available") for v, have, want in short],
    )


def _lock_reservation(reservation: Reservation) -> Reservation:
    return Reservation.objects.select_for_update().get(pk=reservation.pk)


@transaction.atomic
def reservation_release(
    *, reservation: Reservation, reason: str = "", actor=None, status: str = Reservation.Status.RELEASED
) -> Reservation:
    """Gives back every unit not shipped yet. Three statements: the reservation closed (its row
    locked and its state checked by the UPDATE itself), its lines read with their stock rows
    locked in id order, and the rows with their ledger (one statement on PostgreSQL)."""
    closed_at = timezone.now()
    if not Reservation.objects.filter(pk=reservation.pk, status=Reservation.Status.ACTIVE).update(
        status=status, closed_at=closed_at
    ):
        current = Reservation.objects.filter(pk=reservation.pk).values_list("status", flat=True).first()
        raise WrongState(f"The reservation is {current}; only an active one can be released.")
    lines = (
        ReservationLine.objects.filter(reservation_id=reservation.pk)
        .select_related("stock")
        .select_for_update(of=("stock",))
        .order_by("stock_id")
    )
    moves = [
        Move(line.stock, reserved=-(line.quantity - line.quantity_shipped))
        for line in lines
        if line.quantity > line.quantity_shipped
    ]
    _moves(moves, K.RELEASE, reference=reservation.reference, actor=actor)
    reservation.status, reservation.closed_at = status, closed_at
    return reservation


def reservations_expire(*, now: datetime | None = None) -> int:
    """Releases active reservations past their expiry (unpaid orders); run by Celery beat."""
    expired = 0
    due = Reservation.objects.filter(status=Reservation.Status.ACTIVE, expires_at__lte=now or timezone.now())
    for reservation in due.order_by("pk"):
        try:
            reservation_release(reservation=reservation, reason="expired", status=Reservation.Status.EXPIRED)
            expired += 1
        except WrongState:
            continue  # consumed or released meanwhile
    return expired


@transaction.atomic
def reservation_line_ship(*, line: ReservationLine, quantity: int, reference: str, actor=None) -> ReservationLine:
    """Units leave the building: on hand and reserved both drop; the reservation is consumed
    when every line has shipped."""
    reservation = _lock_reservation(line.reservation)
    if reservation.status != Reservation.Status.ACTIVE:
        raise WrongState(f"The reservation is {reservation.status}; nothing can ship from it.")
    line = ReservationLine.objects.select_for_update().get(pk=line.pk)
    if not 0 < quantity <= line.quantity - line.quantity_shipped:
        raise Conflict(
            f"Only {line.quantity - line.quantity_shipped} reserved units are left to ship.", attr="quantity"
        )
    stock = stock_lock([line.stock_id])[line.stock_id]
    _move(stock, K.SHIP, on_hand=-quantity, reserved=-quantity, reference=reference, actor=actor)
    line.quantity_shipped += quantity
    line.save(update_fields=["quantity_shipped"])
    if all(other.quantity_shipped == other.quantity for other in reservation.lines.all()):
        reservation.status = Reservation.Status.CONSUMED
        reservation.closed_at = timezone.now()
        reservation.save(update_fields=["status", "closed_at"])
    return line
