"""The typed answers of the published reports keep the v1 bodies of their routes (no database)."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime

from yima.stats.published import PublishedReportView, ReportSummary, SignedReport
from yima.stats.reports_api import ReportOut, ReportSummaryOut, SignedReportOut
from yima.stats.rules import Period

SIGNED = SignedReport({"id": 1, "figures": {}}, {"zone": "cq-gxq", "kid": "k1"}, "ab" * 32)


def test_each_view_has_the_fields_of_its_response_model():
    for view, model in ((SignedReport, SignedReportOut), (PublishedReportView, ReportOut),
                        (ReportSummary, ReportSummaryOut)):
        assert {f.name for f in fields(view)} == set(model.model_fields), view.__name__


def test_a_summary_says_its_period_as_from_and_to_and_carries_its_restatements():
    again = ReportSummary(2, "cq-gxq", Period(date(2026, 1, 1), date(2026, 6, 30)),
                          datetime(2026, 7, 2, tzinfo=UTC), "admin", 1, "更正", ({"path": "a", "was": 1, "now": 2},),
                          "cd" * 32)
    first = ReportSummary(1, "cq-gxq", again.period, datetime(2026, 7, 1, tzinfo=UTC), "admin", None, None, (),
                          "ab" * 32, (again,))
    out = ReportSummaryOut.model_validate(first.as_json())
    assert out.period.from_ == date(2026, 1, 1) and out.restatements[0].changes[0].now == 2
    assert out.model_dump(mode="json", by_alias=True)["period"] == {"from": "2026-01-01", "to": "2026-06-30"}
    view = PublishedReportView(SIGNED.report, SIGNED.signature, SIGNED.sha256, (SIGNED,))
    assert ReportOut.model_validate(view.as_json()).restatements[0].signature == {"zone": "cq-gxq", "kid": "k1"}
