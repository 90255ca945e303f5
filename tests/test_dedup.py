"""Duplicate linking: reposts point at the earliest original and different suggestions stay apart."""
from __future__ import annotations

from datetime import datetime, timedelta

from triage.dedup import DuplicateLinker, link_duplicates
from triage.records import Suggestion

TITLE = "关于老旧小区加装电梯审批流程过长的建议"
BODY = ("我们社区是上世纪九十年代建成的老旧小区，共有十二栋六层住宅，六十岁以上老人占居民总数的四成以上。"
        "自二零二一年起，居民多次自发筹资申请加装电梯，但需要规划、住建、市场监管、消防等多个部门分别审批，"
        "每个环节都要求提交大量材料，全部流程走完往往超过一年，期间还有低层住户反对导致协商反复。"
        "建议由街道牵头设立一站式联合审批窗口，明确各环节办理时限，并出台低层住户补偿的统一指导标准，"
        "让老人早日告别爬楼之苦。")
OTHER_BODY = ("学校周边上下学高峰时段车辆乱停乱放现象严重，接送学生的家长车辆占用机动车道和人行道，"
              "导致交通拥堵，学生穿行存在安全隐患。建议交警部门在高峰时段加强疏导，设置临时停车区和即停即走车位，"
              "学校错峰放学，并在校门口设置护学岗，保障学生安全。")
START = datetime(2024, 3, 1, 9, 0)


def suggestion(id: str, title: str, body: str, minutes: int | None = 0) -> Suggestion:
    submitted_at = None if minutes is None else START + timedelta(minutes=minutes)
    return Suggestion(id=id, title=title, body=body, submitter=f"org-{id}", submitted_at=submitted_at)


def change(text: str, position: int, new: str) -> str:
    assert text[position] != new
    return text[:position] + new + text[position + 1:]


def test_exact_repost_links_to_the_original(config):
    items = [suggestion("a", TITLE, BODY, 0), suggestion("b", TITLE, BODY, 5)]
    assert link_duplicates(items, config) == {"b": "a"}
    assert [s.duplicate_of for s in items] == [None, "a"]


def test_repost_that_differs_only_in_spacing_and_punctuation_is_exact(config):
    items = [suggestion("a", TITLE, BODY, 0),
             suggestion("b", TITLE + "！", BODY.replace("，", " ").replace("。", "!!"), 5)]
    assert link_duplicates(items, config) == {"b": "a"}


def test_near_duplicate_with_one_changed_character_links(config):
    items = [suggestion("a", TITLE, BODY, 0), suggestion("b", TITLE, change(BODY, 40, "五"), 5)]
    assert link_duplicates(items, config) == {"b": "a"}


def test_chains_collapse_to_the_original(config):
    once = change(BODY, 40, "五")
    twice = change(once, 120, "慢")
    items = [
        suggestion("a", TITLE, BODY, 0),
        suggestion("b", TITLE, once, 5),           # repost of a
        suggestion("c", TITLE, twice, 10),         # edits b again
        suggestion("d", TITLE, once, 15),          # exact repost of b, which is itself a repost
    ]
    assert link_duplicates(items, config) == {"b": "a", "c": "a", "d": "a"}


def test_the_earliest_submission_is_the_original_whatever_the_input_order(config):
    later = suggestion("later", TITLE, BODY, 60)
    earlier = suggestion("earlier", TITLE, change(BODY, 40, "五"), 0)
    undated = suggestion("undated", TITLE, BODY, None)
    items = [undated, later, earlier]
    assert link_duplicates(items, config) == {"later": "earlier", "undated": "earlier"}
    assert earlier.duplicate_of is None


def test_same_time_keeps_input_order(config):
    items = [suggestion("first", TITLE, BODY, 0), suggestion("second", TITLE, BODY, 0)]
    assert link_duplicates(items, config) == {"second": "first"}


def test_different_texts_are_not_linked(config):
    items = [
        suggestion("lift", TITLE, BODY, 0),
        suggestion("traffic", "学校周边交通拥堵", OTHER_BODY, 5),
        # Same topic and much of the wording, but a different request: not a repost.
        suggestion("lift-fund", TITLE, BODY[:60] + "建议财政对加装电梯给予每台二十万元的补贴，并允许提取住房公积金支付个人分摊部分。", 10),
        suggestion("short-1", "路灯坏了", "", 15),
        suggestion("short-2", "路灯修了", "", 20),
    ]
    assert link_duplicates(items, config) == {}
    assert all(s.duplicate_of is None for s in items)


def test_threshold_comes_from_config(config):
    edited = BODY[:150] + "另外建议同步改造小区雨污管网和屋面防水，解决雨季积水问题。"  # Jaccard about 0.68
    items = [suggestion("a", TITLE, BODY, 0), suggestion("b", TITLE, edited, 5)]
    assert link_duplicates(items, config) == {}
    loose = {**config, "dedup": {**config["dedup"], "threshold": 0.5}}
    assert link_duplicates(items, loose) == {"b": "a"}


def test_incremental_linker_find_does_not_register():
    linker = DuplicateLinker()
    original = suggestion("a", TITLE, BODY)
    assert linker.find(original) is None
    assert linker.find(suggestion("b", TITLE, BODY)) is None  # find registered nothing
    assert linker.add(original) is None
    assert linker.find(suggestion("c", TITLE, change(BODY, 40, "五"))) == "a"
    assert linker.add(suggestion("d", TITLE, BODY)) == "a"


def test_cached_signatures_link_as_computed_ones(config, tmp_path):
    # A batch (a run) stores its keys' signatures; a later run reads those and computes only its new texts' (here
    # reposts of stored originals), and links exactly as without the cache.
    items = [suggestion(f"s{k}", f"{TITLE}{k}", change(BODY, 10 + k, "某") if k % 2 else OTHER_BODY + str(k), k)
             for k in range(60)]
    items += [suggestion("near", TITLE + "1", change(items[1].body, 40, "五"), 100),
              suggestion("near-2", TITLE + "0", OTHER_BODY[:-3] + "。0", 101)]
    cached = {**config, "embed": {**config["embed"], "cache_dir": str(tmp_path / "cache")}}
    uncached = {**config, "embed": {**config["embed"], "cache_dir": None}}
    expected = link_duplicates([Suggestion(**vars(s)) for s in items], uncached)
    assert expected["near"] == "s1" and expected["near-2"] == "s0"
    link_duplicates([Suggestion(**vars(s)) for s in items[:60]], cached)  # stores the originals' signatures
    assert (tmp_path / "cache" / "signatures.sqlite").is_file()
    assert link_duplicates([Suggestion(**vars(s)) for s in items], cached) == expected
    other = {**cached, "dedup": {**config["dedup"], "shingle": 3}}  # other settings never read those
    assert link_duplicates([Suggestion(**vars(s)) for s in items], other) == link_duplicates(
        [Suggestion(**vars(s)) for s in items], {**other, "embed": uncached["embed"]})
