"""The register counts an import adds up where it checks rows (``tally``) equal those counted one
row at a time, as the counts' triggers would (plain functions, no database)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from yima.stats.tally import RegisterTally, rolled_up, tally, yuan

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
    counted = {tuple(key.split("\t")): [established, cancelled, Decimal(yuan(capital)), commitments]
               for key, (established, cancelled, capital, commitments) in tally(batch).items()}
    assert counted == dict(expected)


@given(rows, st.integers(0, 40))
def test_batches_merged_equal_the_tally_of_all_and_roll_up_by_month_and_year(batch, cut):
    """The storing process adds up the batches of a transaction (``merge``) and their months and
    years (``rolled_up``): the same as one tally of every row, and as the row-by-row count by month."""
    merged = RegisterTally()
    merged.merge(tally(batch[:cut]))
    merged.merge(tally(batch[cut:]))
    whole = RegisterTally()
    whole.add(batch)
    assert merged.days == whole.days
    months: dict[str, list] = defaultdict(lambda: [0, 0, 0, 0])
    for key, counts in whole.days.items():
        day, kind, division = key.split("\t")
        for i, value in enumerate(counts):
            months[f"{day[:7]}\t{kind}\t{division}"][i] += value
    assert rolled_up(whole.days, 7) == dict(months)
    assert rolled_up(rolled_up(whole.days, 7), 4) == rolled_up(whole.days, 4)


def test_fen_are_written_as_exact_yuan():
    assert [yuan(f) for f in (0, 5, 100, 123456, -250, 10**20 + 1)] == \
        ["0.00", "0.05", "1.00", "1234.56", "-2.50", "1000000000000000000.01"]
