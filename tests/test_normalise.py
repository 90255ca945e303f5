"""Text, date and count normalisation: what scraped and hand-typed values become."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

from triage.normalise import normalise_id, normalise_text, parse_count, parse_datetime


def test_whitespace_runs_from_scraped_pages_collapse_to_one_space():
    scraped = "\n\t\t\t\t\t\n\t\t\t\t\t座落在A市A3区\u3000\u3000联丰路\r\n\t米兰春天\n\t\t\t\t\t\n\t\t\t\t"
    assert normalise_text(scraped) == "座落在A市A3区 联丰路 米兰春天"


def test_full_width_letters_digits_and_punctuation_fold_to_half_width():
    assert normalise_text("Ａ３区　１２３号，ＡＢＣ！") == "A3区 123号,ABC!"


def test_control_and_zero_width_characters_are_dropped():
    assert normalise_text("路灯\x00坏\u200b了\ufeff\x7f") == "路灯坏了"


def test_empty_values_normalise_to_empty_text():
    assert normalise_text(None) == ""
    assert normalise_text(" \u3000\n\t") == ""


@pytest.mark.parametrize("text, expected", [
    ("2019/11/05 10:31:38", datetime(2019, 11, 5, 10, 31, 38)),
    ("2019/2/28 11:25:05", datetime(2019, 2, 28, 11, 25, 5)),
    ("2019-02-28 11:25", datetime(2019, 2, 28, 11, 25)),
    ("2019-02-28T11:25:05", datetime(2019, 2, 28, 11, 25, 5)),
    ("2019-02-28", datetime(2019, 2, 28)),
    ("2019.02.28", datetime(2019, 2, 28)),
    ("2019年2月28日", datetime(2019, 2, 28)),
    ("2019 年 2 月 28 日 11:25", datetime(2019, 2, 28, 11, 25)),
    ("2019年2月28日11:25", datetime(2019, 2, 28, 11, 25)),
    ("２０１９/１１/０５ １０:３１:３８", datetime(2019, 11, 5, 10, 31, 38)),
    ("  2019/11/05 10:31:38\n", datetime(2019, 11, 5, 10, 31, 38)),
])
def test_date_strings_in_common_layouts_parse(text, expected):
    assert parse_datetime(text) == expected


def test_excel_serial_dates_parse_to_the_day_excel_shows():
    assert parse_datetime(43774) == datetime(2019, 11, 5)
    assert parse_datetime(43774.4387731481) == datetime(2019, 11, 5, 10, 31, 50)


def test_datetime_values_pass_through_and_lose_their_timezone():
    plain = datetime(2019, 11, 5, 10, 31, 38)
    assert parse_datetime(plain) == plain
    assert parse_datetime(plain.replace(tzinfo=timezone.utc)) == plain


def test_empty_date_means_no_date():
    assert parse_datetime(None) is None
    assert parse_datetime("  ") is None


@pytest.mark.parametrize("value", ["明天下午", "2019/13/45", "11/05", 12.5, 1573000000])
def test_unreadable_dates_raise_value_error_naming_the_value(value):
    with pytest.raises(ValueError, match="日期"):
        parse_datetime(value)


@pytest.mark.parametrize("value, expected", [
    (None, 0), ("", 0), (0, 0), (17, 17), (17.0, 17), ("17", 17), (" 1,024 ", 1024), ("１２", 12), ("3.0", 3),
])
def test_counts_written_as_numbers_or_text_parse(value, expected):
    assert parse_count(value) == expected


@pytest.mark.parametrize("value", [
    "很多", "-3", -3, 2.5, "2.5", True, "inf", "nan", float("inf"), float("nan"), "1e400", 10**400, 10**9 + 1,
])
def test_invalid_counts_raise_value_error_not_anything_else(value):
    with pytest.raises(ValueError, match="数量"):
        parse_count(value)


def test_spreadsheet_number_ids_lose_the_trailing_point_zero():
    assert normalise_id(188006.0) == "188006"
    assert normalise_id(188006) == "188006"
    assert normalise_id(" Ａ-01 ") == "A-01"
    assert normalise_id(None) == ""
