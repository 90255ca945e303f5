"""The ``triage`` command as a user runs it: ``--help``, ``ingest --json``, and one-line errors for bad input."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from triage.cli import main

TRIAGE = Path(sys.executable).with_name("triage")


def run_triage(*args: str) -> subprocess.CompletedProcess:
    """Run the installed ``triage`` script in a child process, as from a shell."""
    command = [str(TRIAGE)] if TRIAGE.exists() else [
        sys.executable, "-c", "import sys; from triage.cli import main; sys.exit(main())"]
    return subprocess.run([*command, *args], capture_output=True, text=True, encoding="utf-8", timeout=120)


@pytest.fixture
def mixed_csv(write_csv):
    body = "南门路灯坏了两个多月，晚上一片漆黑，老人出行很不安全，希望有关部门尽快安排维修，并定期巡查小区周边的照明设施。"
    return write_csv([
        ["id", "title", "body", "submitter", "submitted_at", "endorsements"],
        ["A1", "路灯不亮", body, "org-1", "2024-03-01 09:00", "3"],
        ["A2", "", "", "org-2", "2024-03-01 10:00", "1"],                   # rejected: empty
        ["A3", "路灯不亮", body, "org-3", "2024-03-02 09:00", "0"],          # exact repost of A1
        ["A4", "学校门口拥堵", "上下学高峰期车辆乱停", "org-4", "某天", "0"],    # rejected: date
    ])


def test_help_lists_the_subcommands():
    result = run_triage("--help")
    assert result.returncode == 0, result.stderr
    assert "ingest" in result.stdout and "run" in result.stdout
    assert "triage" in result.stdout


def test_ingest_json_prints_one_object_with_the_counts(mixed_csv):
    result = run_triage("ingest", str(mixed_csv), "--json")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.strip().splitlines()) == 1
    report = json.loads(result.stdout)
    assert {key: report[key] for key in ("rows", "accepted", "rejected", "duplicates")} == {
        "rows": 4, "accepted": 2, "rejected": 2, "duplicates": 1}
    assert [(r["row"], r["field"], r["code"], r["id"]) for r in report["rejections"]] == [
        (3, "body", "empty_text", "A2"), (5, "submitted_at", "bad_date", "A4")]
    assert all(r["source"] == str(mixed_csv) and r["reason"] for r in report["rejections"])
    assert report["duplicate_links"] == {"A3": "A1"}


def test_ingest_plain_report_lists_each_rejection(mixed_csv, capsys):
    assert main(["ingest", str(mixed_csv)]) == 0
    out = capsys.readouterr().out
    assert "读取 4 行" in out and "接收 2" in out and "拒收 2" in out and "重复转发 1" in out
    assert f"{mixed_csv}:3 [body]" in out and f"{mixed_csv}:5 [submitted_at]" in out


def test_ingest_with_explicit_map(write_csv, capsys):
    path = write_csv([["主题", "详情", "单位"], ["路灯不亮", "南门路灯坏了", "某协会"]])
    assert main(["ingest", str(path), "--map", "title=主题", "--map", "body=详情", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["rows"], report["accepted"], report["rejected"]) == (1, 1, 0)


def test_ingest_with_tipdm_preset(write_csv, capsys):
    header = ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "点赞数", "反对数"]
    row = ["188006", "A000102948", "路灯不亮", "2019/11/05 10:31:38", "\n\t\t南门\u3000路灯\n\t", "2", "0"]
    path = write_csv([header, row])
    assert main(["ingest", str(path), "--preset", "tipdm", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["accepted"], report["rejected"], report["undated"]) == (1, 0, 0)


def test_missing_column_exits_2_with_one_chinese_line_and_no_traceback(write_csv):
    path = write_csv([["id", "title", "content"], ["1", "路灯", "坏了"]])
    result = run_triage("ingest", str(path), "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[0].startswith("错误：") and "缺少必需的列" in lines[0]
    assert "body" in lines[0]
    assert "id, title, content" in lines[0]


@pytest.mark.parametrize("args, message", [
    (["--map", "title"], "--map"),
    (["--map", "headline=title"], "未知字段"),
    (["--set", "intake.max_title=3"], "未知配置项"),
])
def test_bad_flags_are_one_line_errors(write_csv, capsys, args, message):
    path = write_csv([["title", "body"], ["路灯", "坏了"]])
    assert main(["ingest", str(path), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and message in err and len(err.strip().splitlines()) == 1


def test_unreadable_file_is_a_one_line_error(tmp_path, capsys):
    assert main(["ingest", str(tmp_path / "missing.xlsx")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：") and "missing.xlsx" in err and "文件不存在" in err


@pytest.mark.parametrize("args, message", [
    (["--rate-burst", "0"], "--rate-burst: 应不小于 1：0"),
    (["--rate-per-second", "-1"], "--rate-per-second: 应不小于 0：-1"),
    (["--max-batch", "many"], "--max-batch: 不是整数：many"),
])
def test_serve_limit_flags_out_of_range_are_refused_before_starting(capsys, args, message):
    with pytest.raises(SystemExit) as stopped:
        main(["serve", "--db", "sqlite:///:memory:", *args])
    assert stopped.value.code == 2 and message in capsys.readouterr().err
