"""Bad input by the thousand: generated rows in intake files and generated items in API batches.

The hypothesis properties (test_fuzz_intake.py) search for the one input that breaks a rule; this module sends
volume, cheaply: thousands of rows in a few files and thousands of items in a few batches, drawn from a fixed seed
out of the same kinds of trouble (controls, invisible and mixed-script text, megabyte-long and empty cells,
impossible dates and counts, wrong JSON types). Every row must be accepted or rejected naming its row and field,
and every bad item in a batch must be named in the 422, with no server error anywhere.
"""
from __future__ import annotations

import csv
import json
import random

import httpx
import pytest

from api.settings import ServiceSettings
from api_server import Server, service_config
from triage.intake import FIELDS, load

from figures import report

ROWS_PER_FILE = 2000
BATCHES = 8
ITEMS_PER_BATCH = 500
COUNTED: dict[str, int] = {}

NASTY = "\x01\x07\x08\x0b\x0c\x1b\x7f\x85\x9f\u00a0\u200b\u200d\u200e\u2028\u2029\u3000\ufeff\ufffd"
WORDS = ["停车难", "公交班次", "养老护理", "河道垃圾", "ｆｕｌｌ－ｗｉｄｔｈ", "абв", "عربي", "😀🚌", "A7县", "１２３"]
DATES = ["2024-13-01", "2024-02-30", "2024/1/1 25:61", "0000-00-00", "明年", "2024年13月1日", "99999-01-01", "-1",
         "1e309", "nan", "2019/11/05 10:31:38", "２０２４－０３－０１", ""]
COUNTS = ["1,024", " 12 ", "１２", "-3", "1e3", "1.5", "inf", "NaN", "十二", "", "0x10", "99999999999", "1,0,2,4"]


def any_char(rng: random.Random) -> str:
    """Any code point but a surrogate (which no UTF-8 file or JSON text can carry)."""
    while True:
        point = rng.choice((rng.randrange(0x20, 0x7F), rng.randrange(0xA0, 0x3000), rng.randrange(0x4E00, 0x9FFF),
                            rng.randrange(0x10000, 0x10FFFF), rng.randrange(0, 0x20)))
        if not 0xD800 <= point <= 0xDFFF:
            return chr(point)


def cell(rng: random.Random) -> str:
    kind = rng.randrange(8)
    if kind == 0:
        return ""
    if kind == 1:
        return "".join(rng.choice(" \t\u3000\u00a0\u200b\ufeff") for _ in range(rng.randrange(1, 6)))
    if kind == 2:
        return "".join(any_char(rng) for _ in range(rng.randrange(1, 40)))
    if kind == 3:
        return rng.choice(DATES)
    if kind == 4:
        return rng.choice(COUNTS)
    if kind == 5:  # now and then over the length limit
        return rng.choice(WORDS) * (rng.randrange(1, 40) if rng.random() < 0.97 else rng.randrange(4000, 8000))
    if kind == 6:
        return "".join(rng.choice(NASTY + "文a ") for _ in range(rng.randrange(1, 20)))
    return rng.choice(WORDS) + rng.choice(NASTY) + "\x00" * rng.randrange(2)


def rows(rng: random.Random, count: int) -> list[list[str]]:
    return [[f"r{n}" if rng.random() < 0.8 else cell(rng), *(cell(rng) for _ in FIELDS[1:])] for n in range(count)]


def write_file(path, kind: str, values: list[list[str]]) -> None:
    if kind == "csv":
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            csv.writer(handle).writerows([list(FIELDS), *[[v.replace("\x00", "") for v in row] for row in values]])
    elif kind == "jsonl":
        with path.open("w", encoding="utf-8") as handle:
            for row in values:
                handle.write(json.dumps(dict(zip(FIELDS, row)), ensure_ascii=False) + "\n")
    else:
        import openpyxl

        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.append(list(FIELDS))
        clean = str.maketrans("", "", "".join(chr(c) for c in range(32) if chr(c) not in "\t\n\r"))
        for row in values:  # a spreadsheet cell cannot hold control characters, nor more than 32,767 of any
            sheet.append([v.translate(clean)[:32767] for v in row])
        workbook.save(path)


@pytest.mark.parametrize("kind", ["csv", "jsonl", "xlsx"])
def test_every_generated_row_of_a_file_is_accepted_or_rejected_by_row_and_field(tmp_path, kind):
    rng = random.Random(f"rows-{kind}")
    path = tmp_path / f"generated.{kind}"
    write_file(path, kind, rows(rng, ROWS_PER_FILE))
    result = load([path])
    assert result.rows == ROWS_PER_FILE
    assert len(result.accepted) + len(result.rejected) == result.rows
    for rejection in result.rejected:
        assert rejection.field in FIELDS and rejection.reason and 1 <= rejection.row, rejection
    assert result.rejected and result.accepted  # the generator makes both kinds
    COUNTED[f"{kind} rows"] = COUNTED.get(f"{kind} rows", 0) + result.rows


def text(rng: random.Random) -> str:
    """A cell for the API: without NUL, which refuses the whole request before any item is looked at."""
    return cell(rng).replace("\x00", "")


# Each turns a good item into one that the API must refuse, naming that item's field.
def mutations(rng: random.Random) -> list:
    return [
        lambda item: item.update(title=rng.choice([rng.randrange(10**6), [text(rng)], {"t": text(rng)}, True, None])),
        lambda item: item.update(id=rng.choice(["", "x" * 201, rng.randrange(10**6), None, [1]])),
        lambda item: item.pop("id"),
        lambda item: item.update({text(rng) or "surprise": text(rng)}),
        lambda item: item.update(endorsements=rng.choice([-1, -10**9, "many", 1.5, "1,024", [], {}])),
        lambda item: item.update(opposes=rng.choice([-1, "十二", 2.5, "x"])),
        lambda item: item.update(submitter="长" * rng.randrange(201, 400)),
        lambda item: item.update(org_name="长" * rng.randrange(501, 900)),
        lambda item: item.update(metadata=rng.choice([[], "text", 7, True])),
        lambda item: item.update(sector=rng.choice([1, [], {}, 2.5])),
        lambda item: item.update(submitted_at=rng.choice([20240101, [], {"d": 1}, 1.5])),
    ]


@pytest.fixture(scope="module")
def roomy(databases, cache_dir):
    """The service with its default batch limit (500) and room for a batch of long texts."""
    running = Server(databases.new(), service_config(cache_dir),
                     ServiceSettings(max_body_bytes=8 * 2**20, rate_per_second=0)).start()
    yield running
    running.stop()


def test_every_bad_item_of_a_generated_batch_is_named_in_the_422(roomy):
    rng = random.Random(f"items-{roomy.db_url.split(':')[0]}")
    change = mutations(rng)
    with roomy.client("intake") as intake:
        for batch in range(BATCHES):
            items = []
            for n in range(ITEMS_PER_BATCH):
                item = {"id": f"v{batch}-{n}", "title": text(rng)[:2000], "body": text(rng)[:2000],
                        "submitted_at": text(rng)}
                rng.choice(change)(item)
                items.append(item)
            response = intake.post("/v1/suggestions", content=json.dumps({"items": items}, ensure_ascii=False),
                                   headers={"Content-Type": "application/json"})
            assert response.status_code == 422, response.text[:500]
            error = response.json()["error"]
            named = {d["field"].split("]")[0] + "]" for d in error.get("details") or [error]}
            assert named == {f"items[{n}]" for n in range(ITEMS_PER_BATCH)}, sorted(named)[:10]
            COUNTED["API items"] = COUNTED.get("API items", 0) + len(items)
            COUNTED["API requests"] = COUNTED.get("API requests", 0) + 1
        assert intake.get("/healthz").status_code == 200


def teardown_module() -> None:
    if COUNTED:
        inputs = sum(v for k, v in COUNTED.items() if k != "API requests")
        report("Bad input", f"generated in volume: {inputs} inputs ("
               + ", ".join(f"{count} {name}" for name, count in COUNTED.items())
               + "): no server error; every row accepted or rejected by row and field, every bad item named in its "
                 "batch's 422")
