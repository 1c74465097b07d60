"""How much forced searching a song gets: counted in audio searched, not in CPU time.

Hopeless audio (no voice the model knows) fails every search, and the aligner would
go on trying windows for every word; the budget stops it, and the words left are
spread between their neighbours. The budget was once CPU time, which made results
depend on the machine and on jitter: a whole search that ended a few milliseconds
before or after the deadline decided whether the next setting ran (one song scored
0 % or 48 % within 100 ms from run to run on the same machine). Now each search
costs the seconds of audio it covers times its setting's cost (see offline.Setting),
so the aligner stops at the same point on any machine, fast or slow.

Units: a second of audio searched at the default beams. On a 2-core x86 machine
one unit is about 16 ms of CPU (measured over our 92 corpus songs), so the budget
below is about 1 s + 0.04 s per second of audio there. That leaves for windowed
searches (after the whole-song ones failed) as much as a CPU budget of 1 s + 0.07 s
per second of audio did, when whole searches still tried five settings.
"""
from __future__ import annotations

BUDGET_UNITS = 60.0  # for any song
BUDGET_UNITS_PER_AUDIO_S = 2.5  # and for each second of its audio


class SearchBudget:
    """The search units left for one song; a search is started only when it fits."""

    def __init__(self, audio_s: float):
        self.left = BUDGET_UNITS + BUDGET_UNITS_PER_AUDIO_S * audio_s

    @property
    def spent(self) -> bool:
        return self.left <= 0

    def affords(self, cost: float) -> bool:
        return cost <= self.left

    def spend(self, cost: float) -> None:
        self.left -= cost

    def refund(self, cost: float) -> None:
        """Give back what a search that placed all the rest of the lyrics cost: that song is not hopeless."""
        self.left += cost
