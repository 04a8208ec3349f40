"""The figures the counties publish for 诉调对接, with Shandan's Jan–Jul 2024 as the ground truth."""

from services.court_link.domain.figures import FilingFigures, rate


def shandan() -> FilingFigures:
    """2,438 filings (民商事及行政), 1,907 diverted to the centre, 1,407 mediated, the rest returned."""
    return FilingFigures.of_counts(
        [
            ("civil", "diverted", "mediated", 1300),
            ("commercial", "diverted", "mediated", 107),
            ("civil", "diverted", "returned", 470),
            ("administrative", "diverted", "returned", 30),
            ("civil", "filed", "filed", 480),
            ("administrative", "filed", "filed", 51),
        ],
        [("facts_unclear", 300), ("no_consent", 250), ("not_mediable_by_law", 51)],
        [("confirmed", 900), ("refused", 12), ("pending", 3)],
    )


def test_shandans_diversion_rate_is_78_2_percent_and_its_mediation_success_rate_73_8():
    figures = shandan().as_json()

    assert figures["filings"]["registered"] == 2438
    assert figures["filings"]["diverted"] == 1907
    assert figures["filings"]["diversion_rate"] == 0.7822
    assert figures["mediation"]["mediated"] == 1407
    assert figures["mediation"]["success_rate"] == 0.7378
    assert figures["mediation"]["mediated_share_of_diverted"] == 0.7378


def test_the_figures_count_filings_by_type_returns_reasons_and_applications():
    figures = shandan().as_json()

    assert figures["filings"]["by_type"] == {"civil": 2250, "commercial": 107, "administrative": 81}
    assert figures["filings"]["filed"] == 531
    assert figures["filings"]["not_diverted_because"] == {
        "not_mediable_by_law": 51,
        "legal_relation_unclear": 0,
        "facts_unclear": 300,
        "no_consent": 250,
    }
    assert figures["mediation"]["returned_to_litigation"] == 500
    assert figures["confirmations"] == {"requested": 915, "pending": 3, "confirmed": 900, "refused": 12}


def test_filings_still_in_mediation_are_not_counted_as_failures_in_the_success_rate():
    figures = FilingFigures.of_counts(
        [
            ("civil", "diverted", "mediated", 3),
            ("civil", "diverted", "returned", 1),
            ("civil", "diverted", "in_mediation", 4),
        ],
        [],
        [],
    ).as_json()

    assert figures["mediation"] == {
        "in_mediation": 4,
        "mediated": 3,
        "returned_to_litigation": 1,
        "ended": 4,
        "success_rate": 0.75,
        "mediated_share_of_diverted": 0.375,
    }


def test_a_period_without_filings_has_zero_counts_and_no_rates():
    figures = FilingFigures().as_json()

    assert figures["filings"]["registered"] == 0
    assert figures["filings"]["diversion_rate"] is None
    assert figures["mediation"]["success_rate"] is None
    assert figures["confirmations"]["requested"] == 0
    assert rate(0, 0) is None and rate(1, 3) == 0.3333
