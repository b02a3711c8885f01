"""What the members room tells the rooms above it without knowing them."""

from django.dispatch import Signal

# A card's PIN got locked on a channel: sender=Patron, with patron, channel, lockouts (in a row),
# until. Sent inside the transaction that wrote the lock.
pin_locked = Signal()
