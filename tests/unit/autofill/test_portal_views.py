"""The portal's view of a schema and a prefill result, and of a submitted page."""

from __future__ import annotations

import orjson
import pytest

from autofill.portal.charts import column_chart, percent, trend_bars
from autofill.portal.dashboard import declares_business
from autofill.portal.submission import submitted_values
from autofill.portal.text import display_text, format_moment
from autofill.portal.views import coverage_of, field_view, root_subjects, sections_of

SCHEMA = {
    "id": "demo-form",
    "title": "Tờ khai",
    "subjects": {
        "company": {"registry": "business"},
        "rep": {"registry": "citizen", "from": "company.legal_representatives[0].personal_id"},
    },
    "sections": [{"key": "company", "title": "Thông tin doanh nghiệp"}],
    "fields": [
        {"key": "reason", "label": "Lý do", "type": "text", "required": True},
        {"key": "name", "label": "Tên", "section": "company", "prefill": {"from": "company.name"}},
        {
            "key": "capital",
            "label": "Vốn",
            "type": "number",
            "section": "company",
            "prefill": {"from": "company.charter_capital", "locked": False},
        },
        {
            "key": "office",
            "label": "Trụ sở",
            "type": "address",
            "section": "company",
            "prefill": {"from": "company.head_office"},
        },
        {
            "key": "legal_form",
            "label": "Loại hình",
            "type": "select",
            "section": "company",
            "options": [{"value": "llc", "label": "Công ty TNHH"}],
            "prefill": {"from": "company.legal_form"},
        },
        {
            "key": "rep_birth",
            "label": "Ngày sinh",
            "type": "date",
            "prefill": {"from": "rep.birth_date"},
        },
    ],
}
SOURCE = {"registry": "business", "attribute": "name", "updated_at": "2026-03-01T03:00:00Z"}
ADDRESS = {"line": "12 <b>Lý</b> Thường Kiệt", "ward_name": "Phường Cửa Nam", "text": "12 Lý…"}
RESULT = {
    "fields": {
        "reason": {"value": None, "status": "not_applicable", "source": None, "locked": False},
        "name": {"value": "CÔNG TY A", "status": "filled", "source": SOURCE, "locked": True},
        "capital": {"value": 5000000000, "status": "filled", "source": SOURCE, "locked": False},
        "office": {"value": ADDRESS, "status": "filled", "source": SOURCE, "locked": True},
        "legal_form": {"value": "llc", "status": "filled", "source": SOURCE, "locked": True},
        "rep_birth": {"value": None, "status": "unavailable", "source": None, "locked": False},
    },
    "coverage": {"filled": 4, "total": 6, "ratio": 0.6667},
}


class TestSections:
    def test_roots_only_are_asked_for(self) -> None:
        subjects = root_subjects(SCHEMA)
        assert [(s.name, s.registry) for s in subjects] == [("company", "business")]
        assert subjects[0].label == "Mã số doanh nghiệp / mã số thuế"

    def test_fields_are_grouped_with_status_lock_and_source(self) -> None:
        general, company = sections_of(SCHEMA, RESULT)
        assert general.title is None
        assert [f.key for f in general.fields] == ["reason", "rep_birth"]
        assert company.title == "Thông tin doanh nghiệp"
        reason, rep_birth = general.fields
        assert (reason.status, reason.locked) == ("manual", False)
        assert (rep_birth.status, rep_birth.locked, rep_birth.input_type) == (
            "unavailable",
            False,
            "date",
        )
        name, capital, office, legal_form = company.fields
        assert (name.locked, name.text) == (True, "CÔNG TY A")
        assert name.source_registry == "CSDL quốc gia về đăng ký doanh nghiệp"
        assert name.updated_at == "01/03/2026 10:00"
        assert (capital.locked, capital.input_type, capital.text) == (False, "number", "5000000000")
        assert (office.control, office.text) == ("textarea", "12 Lý…")
        assert (legal_form.locked, legal_form.text) == (True, "Công ty TNHH")
        assert coverage_of(RESULT).percent == 67


class TestSubmission:
    def test_unchanged_prefilled_values_go_back_as_given(self) -> None:
        general, company = sections_of(SCHEMA, RESULT)
        shown = [f for s in (general, company) for f in s.fields]
        page = {f"field.{f.key}": f.text for f in shown}
        page |= {f"orig.{f.key}": f.original for f in shown if f.original}
        page["field.reason"] = "Thay đổi trụ sở"
        values = submitted_values(SCHEMA, page)
        assert values["office"] == ADDRESS
        assert values["capital"] == 5000000000
        assert values["legal_form"] == "llc"
        assert values["reason"] == "Thay đổi trụ sở"
        assert values["rep_birth"] is None

    def test_an_edit_is_sent_as_typed(self) -> None:
        page = {
            "field.capital": "7000000000",
            "orig.capital": orjson.dumps(5000000000).decode(),
            "field.office": "Địa chỉ khác",
            "orig.office": orjson.dumps(ADDRESS).decode(),
        }
        values = submitted_values(SCHEMA, page)
        assert values["capital"] == 7000000000
        assert values["office"] == "Địa chỉ khác"


class TestText:
    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (None, ""),
            (True, "Có"),
            (12, "12"),
            ({"a": "x", "b": None, "c": "y"}, "x, y"),
            (["a", "b"], "a, b"),
        ],
    )
    def test_display_text(self, value, text) -> None:
        assert display_text(value) == text

    def test_moments_in_vietnam_time(self) -> None:
        assert format_moment("2026-11-27T17:30:00+00:00") == "28/11/2026 00:30"
        assert format_moment("1990-02-01") == "01/02/1990"
        assert format_moment(None) is None


class TestDashboardParts:
    def test_declares_business_needs_a_mapped_business_field(self) -> None:
        assert declares_business(SCHEMA)
        citizen_only = {
            "subjects": {"p": {"registry": "citizen"}, "c": {"registry": "business"}},
            "fields": [{"key": "a", "label": "A", "prefill": {"from": "p.full_name"}}],
        }
        assert not declares_business(citizen_only)

    def test_percent_in_vietnamese(self) -> None:
        assert percent(0.2, 0) == "20%"
        assert percent(0.125) == "12,5%"
        assert percent(1 / 3) == "33,3%"
        assert percent(None) == "—"

    def test_column_chart_scales_shares(self) -> None:
        chart = column_chart(["a", "b", "c"], [0.0, 0.5, None], ["", "", ""], target=0.2)
        plot_h = chart.height - 12 - 28
        assert chart.bars[1].height == pytest.approx(plot_h / 2, abs=0.01)
        assert chart.bars[2].empty and not chart.bars[1].empty
        assert chart.target_y == pytest.approx(12 + plot_h * 0.8, abs=0.01)
        bars = trend_bars([0.5, None, 1.0], width=30, height=20)
        assert [(b.x, b.height) for b in bars] == [(0.0, 10.0), (20.0, 20.0)]


DATE = {
    "key": "born",
    "label": "Ngày sinh",
    "type": "date",
    "prefill": {"from": "p.birth_date"},
}
LIST = {
    "key": "members",
    "label": "Thành viên",
    "type": "list",
    "prefill": {"from": "p.household.members"},
    "columns": [
        {"key": "name", "label": "Họ tên"},
        {
            "key": "sex",
            "label": "Giới tính",
            "type": "select",
            "options": [{"value": "male", "label": "Nam"}, {"value": "female", "label": "Nữ"}],
        },
        {"key": "born", "label": "Ngày sinh", "type": "date"},
    ],
}
ROWS = [{"name": "Lê Văn A", "sex": "male", "born": "1990-02-01"}]


class TestDatesAndLists:
    def envelope(self, value, locked=True):
        return {"value": value, "status": "filled", "source": SOURCE, "locked": locked}

    def test_a_locked_date_reads_in_vietnamese_and_goes_back_in_iso(self) -> None:
        view = field_view(DATE, self.envelope("1985-03-14"))
        assert (view.text, view.input_type) == ("14/03/1985", "text")
        schema = {"fields": [DATE]}
        page = {"field.born": view.text, "orig.born": view.original}
        assert submitted_values(schema, page) == {"born": "1985-03-14"}

    def test_an_editable_date_uses_the_date_picker(self) -> None:
        view = field_view(DATE, self.envelope("1985-03-14", locked=False))
        assert (view.text, view.input_type) == ("1985-03-14", "date")

    def test_list_rows_show_labels_and_dates_and_go_back_unchanged(self) -> None:
        view = field_view(LIST, self.envelope(ROWS, locked=False))
        assert view.rows == [["Lê Văn A", "Nam", "01/02/1990"]]
        page = {f"cell.members.0.{j}": cell for j, cell in enumerate(view.rows[0])}
        page["orig.members"] = view.original
        assert submitted_values({"fields": [LIST]}, page) == {"members": ROWS}
        page["cell.members.0.0"] = "Lê Văn B"
        edited = submitted_values({"fields": [LIST]}, page)["members"]
        assert edited[0]["name"] == "Lê Văn B"


BOX = {"key": "agree", "label": "Đồng ý", "type": "checkbox"}


class TestOtherControls:
    def test_a_textarea_field_is_a_textarea(self) -> None:
        spec = {"key": "content", "label": "Nội dung", "type": "textarea"}
        assert field_view(spec, None).control == "textarea"

    @pytest.mark.parametrize(("page", "value"), [({"field.agree": "true"}, True), ({}, False)])
    def test_a_checkbox_sends_true_or_false(self, page, value) -> None:
        assert submitted_values({"fields": [BOX]}, page) == {"agree": value}

    def test_a_locked_checkbox_goes_back_unchanged(self) -> None:
        envelope = {"value": True, "status": "filled", "source": SOURCE, "locked": True}
        view = field_view(BOX, envelope)
        page = {"field.agree": view.text, "orig.agree": view.original}
        assert view.text == "Có"
        assert submitted_values({"fields": [BOX]}, page) == {"agree": True}
