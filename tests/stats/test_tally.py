"""The register counts an import adds up where it checks rows (``tally``) equal those counted one
row at a time, as the counts' triggers would (plain functions, no database)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from yima.stats.tally import tally

days = st.dates().map(lambda d: d.isoformat())
rows = st.lists(st.tuples(
    st.just("91500107MA00000001"), st.just("名"), st.sampled_from(["llc", "individual_business"]),
    st.sampled_from(["I6513", "I6520", "C3011"]),
    st.decimals(0, 10**17, places=2, allow_nan=False, allow_infinity=False).map(lambda d: format(d, "f")),
    days, st.one_of(st.none(), days), st.just("址"), st.booleans()), max_size=40)


@given(rows)
def test_the_tally_equals_the_counts_row_by_row(batch):
    expected: dict[tuple[str, str, str], list] = defaultdict(lambda: [0, 0, Decimal(0), 0])
    for _, _, kind, industry, capital, established, cancelled, _, commitment in batch:
        counts = expected[(established, kind, industry[:3])]
        counts[0] += 1
        counts[2] += Decimal(capital)
        counts[3] += int(commitment)
        if cancelled:
            expected[(max(established, cancelled), kind, industry[:3])][1] += 1
    counted = {(day, kind, division): [established, cancelled, Decimal(capital), commitments]
               for day, month, kind, division, established, cancelled, capital, commitments in tally(batch)
               if month == day[:7]}
    assert counted == dict(expected)
    assert len(counted) == len(tally(batch))
