"""The plain XLSX writer: what openpyxl (and so Excel) reads back is what was written."""
import openpyxl

from triage.xlsx import column_letter, write_xlsx


def test_text_and_numbers_read_back_as_written_with_the_header_frozen(tmp_path):
    rows = [["编号", "标题", "得分", "条数"],
            ["a1", "=SUM(A1:A2) 不是公式", 0.123457, 3],
            ["a2", "  前后有空格 & <标签>\n第二行\r\n", 2.0, None],
            ["a3", "控制字符\x01被去掉", float("nan"), -7]]
    path = write_xlsx(tmp_path / "out.xlsx", [("意见", rows), ("空表", [["只有表头"]])])
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["意见", "空表"]
    sheet = book["意见"]
    assert sheet.freeze_panes == "A2"
    assert list(sheet.values) == [
        ("编号", "标题", "得分", "条数"),
        ("a1", "=SUM(A1:A2) 不是公式", 0.123457, 3),
        ("a2", "  前后有空格 & <标签>\n第二行\r\n", 2, None),
        ("a3", "控制字符被去掉", None, -7),
    ]
    assert sheet["B2"].data_type == "s"
    assert list(book["空表"].values) == [("只有表头",)]


def test_columns_past_z_are_named_as_excel_names_them():
    assert [column_letter(i) for i in (0, 25, 26, 27, 701, 702)] == ["A", "Z", "AA", "AB", "ZZ", "AAA"]
