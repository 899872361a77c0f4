"""The admin page's chart of the index, drawn on the server."""

import pytest

from web.chart import MONTHS_SHOWN, chart


def test_months_from_first_to_last_with_the_empty_ones_and_languages_stacked() -> None:
    drawn = chart(
        [("2024-11", "en", 2), ("2025-01", "fr", 3), ("2025-01", "en", 1), (None, "fr", 4)]
    )
    assert drawn.period == "month"
    assert [s.label for s in drawn.segments] == [
        "2024-11, en: 2",
        "2025-01, en: 1",
        "2025-01, fr: 3",
    ]
    assert drawn.highest == 4 and drawn.undated == 4
    assert drawn.languages == {"en": 3, "fr": 7}
    assert [label for _, _, label in drawn.ticks] == ["2024-11", "2024-12", "2025-01"]
    stacked = [s for s in drawn.segments if s.label.startswith("2025-01")]
    assert stacked[0].y == stacked[1].y + stacked[1].height  # one on the other


def test_a_long_archive_is_drawn_per_year_and_a_year_alone_counts_as_without_a_month() -> None:
    rows = [("2015-03", "fr", 1), ("2024-07", "fr", 2), ("2019", "en", 5)]
    drawn = chart(rows)
    assert drawn.period == "year" and len(range(2015, 2025)) * 12 > MONTHS_SHOWN
    assert [s.label for s in drawn.segments] == ["2015, fr: 1", "2024, fr: 2"]
    assert drawn.undated == 5


def test_an_empty_index_draws_nothing() -> None:
    drawn = chart([])
    assert drawn.segments == [] and drawn.ticks == [] and drawn.highest == 0


@pytest.mark.timeout(10)  # the old loop never ended on month 13 (and ate memory)
def test_a_month_that_is_no_month_counts_as_undated_and_the_chart_ends() -> None:
    drawn = chart([("2024-13", "fr", 1), ("2024-12", "en", 2), ("2025-01", "en", 3)])
    assert [label for _, _, label in drawn.ticks] == ["2024-12", "2025-01"]
    assert drawn.undated == 1 and drawn.highest == 3
