"""The few signals core sends to the apps above it (ARCHITECTURE: the only use of signals).

- user_data_exporting(user): each app's receiver returns (section, data) with what it holds
  about the user, for `GET auth/me/export/`.
- user_closing(user): sent inside the closing transaction before the account is anonymised;
  each app's receiver replaces the user's personal data in its tables, or raises Conflict to
  refuse (a company's only owner).
- event_dispatched(event): below.
- event_buyers_resolving(type, data): below.
"""

from django.dispatch import Signal

user_data_exporting = Signal()
user_closing = Signal()

# event_dispatched(event): sent once per outbox event, in the dispatch transaction; each app's
# receiver decides who is told by e-mail about the events it owns.
event_dispatched = Signal()

# event_buyers_resolving(type, data): sent by `event_record` for an event a buyer company may
# subscribe to whose recording app could not name the buyer companies (logistics knows a
# shipment's reference, not its order); each receiver returns buyer company ids (or none).
# Inside the recording transaction: receivers only read.
event_buyers_resolving = Signal()
