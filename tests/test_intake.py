"""Intake: every input format, every rejection, the column mapping and the counting invariant."""
from __future__ import annotations

import codecs
import json
import math
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triage.intake import ColumnError, FormatError, Limits, load
from triage.intake.columns import resolve_mapping

# The header of the shared TipDM messages, in the order the issue gives it.
TIPDM_HEADER = ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "点赞数", "反对数"]
CONSULTATION_ROWS = [
    ["编号", "标题", "内容", "提交单位编号", "组织名称", "领域", "提交时间", "附议数"],
    ["S-001", "老旧小区加装电梯难", "多部门审批，\n流程长达一年。", "ORG-17", "某社区服务中心", "城市建设",
     "2024/3/1 09:30:00", "12"],
    ["S-002", "学校周边交通拥堵", "上下学高峰期车辆乱停。", "ORG-08", "某家长协会", "交通", "2024-03-02", "1,024"],
]

CANONICAL_HEADER = ["id", "title", "body", "submitter", "submitted_at", "endorsements", "opposes"]


def assert_counts_add_up(result):
    assert len(result.accepted) + len(result.rejected) == result.rows


# --- formats ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_csv_in_each_office_encoding_reads_the_same(write_csv, encoding):
    path = write_csv(CONSULTATION_ROWS, encoding=encoding)
    raw = path.read_bytes()
    if encoding == "utf-8-sig":
        assert raw.startswith(codecs.BOM_UTF8)
    if encoding == "gbk":
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")

    result = load([path])

    assert result.rejected == []
    first, second = result.accepted
    # The id is the first column, so a BOM left on the header would lose it (and invent ids).
    assert [first.id, second.id] == ["S-001", "S-002"]
    assert first.title == "老旧小区加装电梯难"
    assert first.body == "多部门审批, 流程长达一年。"
    assert first.original_body == "多部门审批，\n流程长达一年。"
    assert (first.submitter, first.org_name, first.sector) == ("ORG-17", "某社区服务中心", "城市建设")
    assert first.submitted_at == datetime(2024, 3, 1, 9, 30)
    assert second.submitted_at == datetime(2024, 3, 2)
    assert (first.endorsements, second.endorsements) == (12, 1024)
    assert first.metadata == {}
    # Row numbers are the spreadsheet rows: the quoted two-line body does not push the next record down.
    assert [(s.source, s.row) for s in result.accepted] == [(str(path), 2), (str(path), 3)]
    assert_counts_add_up(result)


def test_tsv_reads_by_tab(tmp_path):
    path = tmp_path / "input.tsv"
    path.write_text("title\tbody\n路灯坏了\t小区南门路灯, 一直不亮\n", encoding="utf-8")
    [suggestion] = load([path]).accepted
    assert (suggestion.title, suggestion.body) == ("路灯坏了", "小区南门路灯, 一直不亮")


def test_xlsx_with_mixed_date_cells_an_unnamed_column_and_a_blank_row(write_xlsx):
    path = write_xlsx([
        ["id", "title", "body", None, "submitted_at", "endorsements"],
        [188006, "路灯不亮", "南门路灯坏了两周", "附件见邮件", datetime(2019, 11, 5, 10, 31, 38), 3],
        [None, None, None, None, None, None],
        [188007, "垃圾清运不及时", "垃圾站满溢", None, "2019/11/06 08:00:00", "7"],
    ])

    result = load([path])

    assert result.rejected == []
    assert (result.rows, result.blank_rows) == (2, 1)
    first, second = result.accepted
    assert [first.id, second.id] == ["188006", "188007"]
    assert first.submitted_at == datetime(2019, 11, 5, 10, 31, 38)
    assert second.submitted_at == datetime(2019, 11, 6, 8, 0)
    assert (first.endorsements, second.endorsements) == (3, 7)
    # The unnamed column is kept, not dropped: its values travel in metadata under a positional name.
    assert first.metadata == {"列4": "附件见邮件"}
    assert second.metadata == {}
    # The blank row is skipped but still occupies its spreadsheet row.
    assert [first.row, second.row] == [2, 4]


def test_xlsx_excel_serial_number_in_a_date_column(write_xlsx):
    path = write_xlsx([["title", "body", "submitted_at"], ["路灯不亮", "南门路灯坏了", 43774.4387731481]])
    [suggestion] = load([path]).accepted
    assert suggestion.submitted_at == datetime(2019, 11, 5, 10, 31, 50)


def test_xlsx_reads_every_kind_of_cell_as_openpyxl_does(tmp_path):
    # Sheets are read from their XML (triage.intake.plain_xlsx), with openpyxl where that reader cannot be sure:
    # either way every cell must come back as openpyxl gives it, dates, gaps and blank rows included.
    import openpyxl

    from triage.intake.readers import _openpyxl_rows, _read_xlsx
    from triage.xlsx import write_xlsx

    def workbook(rows, name, number_format=None, date1904=False):
        book = openpyxl.Workbook()
        book.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904 if date1904 else book.epoch
        sheet = book.active
        for row in rows:
            sheet.append(row)
        sheet["H7"] = 7  # a cell beyond the others: rows are padded to the sheet's width
        if number_format:
            sheet["D2"].number_format = number_format
        path = tmp_path / name
        book.save(path)
        return path

    rows = [["id", "title", None, "when", "count", "flag", "error"],
            [1, "路灯 & <不亮>", "  前后有空格 ", datetime(2019, 11, 5, 10, 31, 38, 250000), 2.5, True, "=1/0"],
            [],
            [None, "x005F_转义", None, 43774.4387731481, -3, False, None],
            ["2", "第二行", "正文\n两行", "2019/11/06 08:00:00", 10 ** 12, None, "#N/A"]]
    paths = [workbook(rows, "plain.xlsx"), workbook(rows, "custom.xlsx", 'yyyy"年"m"月"d"日"'),
             workbook(rows, "duration.xlsx", "[h]:mm:ss"), workbook(rows, "mac.xlsx", date1904=True),
             workbook([["t", "when"], ["早", datetime(1900, 1, 15)], ["时", 0.5]], "early.xlsx"),
             write_xlsx(tmp_path / "inline.xlsx", [("s", [["title", "body"], ["=不是公式", " 留白 "], [1.5, 7]])])]
    for path in paths:
        table = _read_xlsx(path)
        assert (table.header, table.rows, table.blank_rows) == _rows_table(path, _openpyxl_rows(path)), path.name


def _rows_table(path, rows):
    from triage.intake.readers import _rows_to_table

    table = _rows_to_table(str(path), rows)
    return table.header, table.rows, table.blank_rows


def test_jsonl_objects_broken_lines_and_non_objects(write_jsonl):
    path = write_jsonl([
        {"id": "J1", "title": "公交站台缺少遮雨棚", "body": "雨天候车无处躲雨", "submitted_at": "2024-03-01 09:30",
         "endorsements": 3},
        '{"id": "J9", "title": "缺引号}',
        "[1, 2]",
        "",
        {"id": "J2", "title": "", "body": "建议增设夜间公交线路", "extra": {"channel": "微信"}},
        '"只是一个字符串"',
    ])

    result = load([path])

    assert [(s.id, s.row) for s in result.accepted] == [("J1", 1), ("J2", 5)]
    assert result.accepted[0].submitted_at == datetime(2024, 3, 1, 9, 30)
    assert result.accepted[0].endorsements == 3
    assert result.accepted[1].metadata == {"extra": {"channel": "微信"}}
    assert [(r.row, r.code) for r in result.rejected] == [(2, "bad_json"), (3, "not_object"), (6, "not_object")]
    assert "JSON" in result.rejected[0].reason
    assert "list" in result.rejected[1].reason and "str" in result.rejected[2].reason
    assert (result.rows, result.blank_rows) == (5, 1)
    assert_counts_add_up(result)


def test_jsonl_line_separator_characters_inside_strings_do_not_split_a_record(write_jsonl):
    # Scraped text carries U+2028 / U+0085; JSON allows them unescaped, so they must not end a line.
    path = write_jsonl([{"id": "J1", "title": "路灯\u2028坏了", "body": "第一段\x85第二段"}, {"id": "J2", "body": "好"}])
    result = load([path])
    assert [s.id for s in result.accepted] == ["J1", "J2"]
    assert result.rejected == []
    assert result.accepted[0].original_title == "路灯\u2028坏了"


def test_jsonl_nan_and_infinity_are_not_json_and_reject_their_line(write_jsonl):
    path = write_jsonl(['{"id": "J1", "title": "路灯不亮", "score": NaN}', '{"id": "J2", "title": "路灯", "x": -Infinity}',
                        {"id": "J3", "title": "NaN 不是数", "body": "正文"}])
    result = load([path])
    assert [s.id for s in result.accepted] == ["J3"]
    assert [(r.row, r.field, r.code) for r in result.rejected] == [(1, "(line)", "bad_json"), (2, "(line)", "bad_json")]
    assert "NaN" in result.rejected[0].reason and "Infinity" in result.rejected[1].reason


def test_a_nul_character_rejects_its_row_naming_the_column(write_csv):
    # Originals are kept verbatim and PostgreSQL cannot store NUL, so the row is refused on every store alike.
    path = write_csv([
        [*CANONICAL_HEADER, "备注"],
        ["N1", "路灯\x00不亮", "南门", "U1", "2024-03-01", "1", "0", ""],
        ["N2", "路灯不亮", "南门\x00路灯", "U2", "2024-03-01", "1", "0", ""],
        ["N3", "路灯不亮", "北门", "U3", "2024-03-01", "1", "0", "转\x00自"],
        ["N4", "路灯不亮", "东门", "U4\x00", "2024-03-01", "1", "0", ""],
    ])
    result = load([path])
    assert [s.id for s in result.accepted] == ["N4"] and result.accepted[0].submitter == "U4"
    assert [(r.id, r.field, r.code) for r in result.rejected] == [
        ("N1", "title", "nul_character"), ("N2", "body", "nul_character"), ("N3", "备注", "nul_character")]
    assert "NUL" in result.rejected[0].reason and "标题" in result.rejected[0].reason
    assert_counts_add_up(result)


def test_jsonl_with_only_broken_lines_reports_each_line(write_jsonl):
    path = write_jsonl(["{broken", "[1]"])
    result = load([path])
    assert result.accepted == []
    assert [(r.row, r.code) for r in result.rejected] == [(1, "bad_json"), (2, "not_object")]
    assert_counts_add_up(result)


def test_unsupported_or_missing_files_fail_naming_the_file(tmp_path):
    (tmp_path / "notes.txt").write_text("title,body\n", encoding="utf-8")
    with pytest.raises(FormatError, match="notes.txt"):
        load([tmp_path / "notes.txt"])
    with pytest.raises(FormatError, match="missing.csv"):
        load([tmp_path / "missing.csv"])
    (tmp_path / "empty.csv").write_text("\n\n", encoding="utf-8")
    with pytest.raises(FormatError, match="empty.csv"):
        load([tmp_path / "empty.csv"])


# --- TipDM preset ----------------------------------------------------------------------------------------------

SCRAPED_BODY = ("\n\t\t\t\t\t\n\t\t\t\t\t座落在A市A3区联丰路米兰春天G2栋320，\u3000\u3000一家影楼据说营业额上百万，"
                "请税务局查一下！\n\t\t\t\t\t\n\t\t\t\t\t\n\t\t\t\t")


def test_tipdm_preset_with_mixed_dates_and_scraped_bodies(write_xlsx):
    path = write_xlsx([
        TIPDM_HEADER,
        [188006, "A000102948", "A3区一米阳光婚纱艺术摄影是否合法纳税了？", datetime(2019, 2, 28, 11, 25, 5),
         SCRAPED_BODY, 5, 1],
        [188007, "A00074795", "咨询A6区道路命名规划初步成果公示", "2019/11/05 10:31:38",
         "\n\t\t\t\t\t\n\t\t\t\t\t公示\u3000\u3000何时结束？\n\t\t\t\t", 0, 2],
    ])

    result = load([path])

    assert result.rejected == []
    first, second = result.accepted
    assert (first.id, first.submitter) == ("188006", "A000102948")
    assert first.submitted_at == datetime(2019, 2, 28, 11, 25, 5)
    assert second.submitted_at == datetime(2019, 11, 5, 10, 31, 38)
    assert first.body == "座落在A市A3区联丰路米兰春天G2栋320, 一家影楼据说营业额上百万,请税务局查一下!"
    assert second.body == "公示 何时结束?"
    assert first.original_body == SCRAPED_BODY
    assert first.original_title == "A3区一米阳光婚纱艺术摄影是否合法纳税了？"
    # 点赞数 and 反对数 are matched by name, not position.
    assert (first.endorsements, first.opposes) == (5, 1)
    assert (second.endorsements, second.opposes) == (0, 2)
    assert first.metadata == {}


def test_tipdm_preset_is_chosen_from_the_header_even_in_another_column_order(write_csv):
    header = ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "反对数", "点赞数"]
    path = write_csv([header, ["1", "U1", "主题", "2019/2/28 11:25:05", "详情", "4", "9"]])
    [suggestion] = load([path]).accepted
    assert (suggestion.id, suggestion.submitter, suggestion.endorsements, suggestion.opposes) == ("1", "U1", 9, 4)


@pytest.mark.skipif(not Path("/work/shared/data/tipdm2020c/messages_hot.xlsx").exists(),
                    reason="shared TipDM data not on this machine")
def test_the_shared_tipdm_file_loads_whole():
    result = load([Path("/work/shared/data/tipdm2020c/messages_hot.xlsx")])
    assert result.rows == 4326
    assert_counts_add_up(result)
    assert len(result.accepted) == 4326
    assert all(s.submitted_at is not None for s in result.accepted)
    assert all("\t" not in s.body and "\n" not in s.body and "\u3000" not in s.body for s in result.accepted)


# --- rejections ------------------------------------------------------------------------------------------------


def test_each_kind_of_rejection_names_row_field_and_reason(write_csv):
    path = write_csv([
        CANONICAL_HEADER,
        ["R1", "路灯不亮", "南门路灯坏了", "U1", "2024-03-01", "1", "0"],                 # row 2: accepted
        ["R2", "", " \t\u3000\n ", "U2", "2024-03-01", "1", "0"],                         # row 3: empty
        ["R3", "长" * 501, "正文", "U3", "2024-03-01", "1", "0"],                          # row 4: title too long
        ["R4", "标题", "长" * 20001, "U4", "2024-03-01", "1", "0"],                         # row 5: body too long
        ["R5", "标题", "正文", "U5", "明天下午", "1", "0"],                                  # row 6: bad date
        ["R6", "标题", "正文", "U6", "2024-03-01", "很多", "0"],                             # row 7: bad count
        ["R7", "标题", "正文", "U7", "2024-03-01", "1", "-2"],                              # row 8: negative count
        ["R1", "另一条", "另一条正文", "U8", "2024-03-01", "1", "0"],                         # row 9: duplicate id
        ["R8", "长" * 500, "长" * 20000, "U9", "2024-03-01", "1", "0"],                     # row 10: at the limits
    ])

    result = load([path])

    assert [s.id for s in result.accepted] == ["R1", "R8"]
    by_row = {r.row: r for r in result.rejected}
    assert {row: (r.field, r.code, r.id) for row, r in by_row.items()} == {
        3: ("body", "empty_text", "R2"),
        4: ("title", "text_too_long", "R3"),
        5: ("body", "text_too_long", "R4"),
        6: ("submitted_at", "bad_date", "R5"),
        7: ("endorsements", "bad_count", "R6"),
        8: ("opposes", "bad_count", "R7"),
        9: ("id", "duplicate_id", "R1"),
    }
    assert "标题" in by_row[4].reason and "501" in by_row[4].reason and "500" in by_row[4].reason
    assert "正文" in by_row[5].reason and "20001" in by_row[5].reason
    assert "明天下午" in by_row[6].reason
    assert "很多" in by_row[7].reason
    assert ":2" in by_row[9].reason  # points at the first occurrence
    assert str(by_row[6]).startswith(f"{path}:6 [submitted_at]")
    assert result.rows == 9
    assert_counts_add_up(result)


def test_limits_are_configurable(write_csv):
    path = write_csv([["title", "body"], ["一二三四五六七八九十", "短"], ["一二三四五六七八九十一", "短"]])
    result = load([path], limits=Limits(max_title_chars=10))
    assert [s.title for s in result.accepted] == ["一二三四五六七八九十"]
    assert [(r.row, r.code) for r in result.rejected] == [(3, "text_too_long")]


def test_duplicate_id_across_files_is_rejected_in_the_later_file(write_csv, write_jsonl):
    first = write_csv([["id", "title", "body"], ["A1", "路灯", "南门路灯坏了"]], name="first.csv")
    second = write_jsonl([{"id": "A1", "title": "路灯", "body": "北门路灯也坏了"}, {"id": "A2", "body": "其他"}],
                         name="second.jsonl")

    result = load([first, second])

    assert [(s.id, s.source) for s in result.accepted] == [("A1", str(first)), ("A2", str(second))]
    [rejection] = result.rejected
    assert (rejection.source, rejection.row, rejection.code) == (str(second), 1, "duplicate_id")
    assert f"{first}:2" in rejection.reason


def test_rows_without_id_get_distinct_ids(write_csv):
    path = write_csv([["title", "body"], ["路灯", "南门"], ["路灯", "北门"]])
    result = load([path])
    ids = [s.id for s in result.accepted]
    assert len(set(ids)) == 2 and result.rejected == []


_cell = st.one_of(
    st.none(), st.text(max_size=12), st.integers(-5, 10**12), st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", " ", "\u3000", "2019/11/05 10:31:38", "1,024", "明天", "-1", "长" * 30, "inf"]),
)
_record = st.dictionaries(st.sampled_from(["id", "title", "body", "submitted_at", "endorsements", "opposes", "x"]),
                          _cell, max_size=7)
_line = st.one_of(_record, st.sampled_from(["", "{", "[1]", "null", "3", '"文本"']))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(_line, min_size=1, max_size=12))
def test_accepted_plus_rejected_always_equals_rows_read(tmp_path, lines):
    path = tmp_path / "random.jsonl"
    path.write_text("\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines) + "\n",
                    encoding="utf-8")
    # NaN and Infinity are not JSON: a line holding one is rejected whole, so its keys name no column.
    header = set().union(*(x for x in lines if isinstance(x, dict) and all(
        not isinstance(v, float) or math.isfinite(v) for v in x.values())))
    rows_read = sum(x != "" for x in lines)
    # A file with objects must have both mapped columns; one with nothing to read has no columns at all.
    column_error_expected = not {"title", "body"} <= header if header or not rows_read else False
    try:
        result = load([path], mapping={"title": "title", "body": "body"}, limits=Limits(max_title_chars=20))
    except ColumnError:
        assert column_error_expected
        return
    assert not column_error_expected
    assert result.rows == rows_read
    assert len(result.accepted) + len(result.rejected) == result.rows
    assert result.rows + result.blank_rows == len(lines)


# --- column mapping --------------------------------------------------------------------------------------------


def test_missing_required_column_names_the_missing_and_the_found_columns(write_csv):
    path = write_csv([["id", "title", "content"], ["1", "路灯", "坏了"]])
    with pytest.raises(ColumnError) as caught:
        load([path])
    error = caught.value
    assert error.missing == ["body"]
    assert error.found == ["id", "title", "content"]
    message = str(error)
    assert str(path) in message and "body" in message and "content" in message and "--map" in message


def test_tipdm_file_missing_its_body_column_names_the_tipdm_column(write_csv):
    header = [column for column in TIPDM_HEADER if column != "留言详情"]
    path = write_csv([header, ["1", "U1", "主题", "2019/2/28 11:25:05", "4", "9"]])
    with pytest.raises(ColumnError) as caught:
        load([path])
    assert caught.value.missing == ["留言详情"]
    assert "留言主题" in str(caught.value)


def test_explicit_mapping_reads_any_header(write_csv):
    path = write_csv([["主题", "详情", "单位", "日期", "赞"], ["路灯不亮", "南门路灯坏了", "某协会", "2024/3/1", "6"]])
    result = load([path], mapping={"title": "主题", "body": "详情", "submitter": "单位", "submitted_at": "日期",
                                   "endorsements": "赞"})
    [suggestion] = result.accepted
    assert (suggestion.title, suggestion.body, suggestion.submitter) == ("路灯不亮", "南门路灯坏了", "某协会")
    assert (suggestion.submitted_at, suggestion.endorsements) == (datetime(2024, 3, 1), 6)


def test_explicit_mapping_overrides_the_preset_and_unmapped_columns_go_to_metadata(write_csv):
    path = write_csv([["title", "body", "summary"], ["路灯", "很长的正文", "摘要"]])
    [suggestion] = load([path], mapping={"body": "summary"}).accepted
    assert suggestion.body == "摘要"
    assert suggestion.metadata == {"body": "很长的正文"}


def test_explicit_mapping_to_a_column_that_is_not_there_is_a_column_error(write_csv):
    path = write_csv([["title", "body"], ["路灯", "坏了"]])
    with pytest.raises(ColumnError) as caught:
        load([path], mapping={"submitted_at": "日期"})
    assert caught.value.missing == ["日期"]


def test_named_preset_is_used_even_when_the_header_fits_another(write_csv):
    path = write_csv([["title", "body", "留言主题", "留言详情"], ["英文标题", "英文正文", "中文标题", "中文正文"]])
    assert load([path]).accepted[0].title == "英文标题"
    assert load([path], preset="tipdm").accepted[0].title == "中文标题"


def test_unknown_preset_or_field_is_refused():
    with pytest.raises(ValueError, match="预设"):
        resolve_mapping("f.csv", ["title", "body"], preset="nope")
    with pytest.raises(ValueError, match="字段"):
        resolve_mapping("f.csv", ["title", "body"], mapping={"headline": "title"})
