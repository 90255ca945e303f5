"""Themes: the same problem at different places is one theme named by the problem; ids survive a re-cluster; key-topic
candidates are themes whose score is its breakdown, and one submitter's issue is never one."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from test_rank import Corpus as IssueCorpus
from test_rank import suggestion

from triage.config import ConfigError
from triage.evaluate import GoldError, evaluate_themes, load_gold_themes
from triage.pipeline import prepare
from triage.records import Suggestion
from triage.theme_rank import rank_themes
from triage.theme_reports import theme_entries, write_key_topics_md, write_themes_csv, write_themes_json
from triage.themes import find_themes, load_theme_lexicon
from triage.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "suggestions.csv"


class Corpus(IssueCorpus):
    """Suggestions grouped into issues, described, put under themes and ranked as the pipeline does."""

    def __init__(self, groups: dict[str, list[Suggestion]], config: dict, segmenter):
        super().__init__(groups, config, segmenter)
        self.themes = find_themes(self.issues, self.suggestions, self.tokens, config)
        self.candidates, self.measures = rank_themes(self.themes, self.suggestions, self.tokens, config)

    def theme_of(self, issue_id: str) -> str:
        return next(t.id for t in self.themes if issue_id in t.issues)


def raised_by(prefix: str, title: str, people: int, **fields) -> list[Suggestion]:
    return [suggestion(f"{prefix}{i}", title, f"{prefix}-person-{i}", **fields) for i in range(people)]


NIMBY = {
    "mixing": raised_by("m", "反对在丽发新城小区旁建搅拌站", 3, body="搅拌站粉尘噪音，严重影响居民生活。"),
    "power": raised_by("p", "金茂悦小区门口要建变电站，业主强烈反对", 2, body="高压线和变电站离住宅太近。"),
    "plant": raised_by("c", "双凫铺镇居民区旁碎石厂未批先建", 2, body="碎石厂就在村民房子旁边。"),
}
FLOODS = {
    "river": raised_by("f", "青石县防汛堤坝年久失修", 2, body="汛期将至，防汛堤坝多处渗漏。"),
    "dyke": raised_by("g", "临溪县河堤防汛物资不足", 2, body="防汛物资储备不足，沙袋缺少。"),
}


def test_the_same_problem_at_different_places_is_one_theme_named_by_the_problem(config, segmenter):
    corpus = Corpus({**NIMBY, **FLOODS}, config, segmenter)
    nimby = {corpus.theme_of(issue_id) for issue_id in NIMBY}
    assert len(nimby) == 1
    theme = next(t for t in corpus.themes if t.id in nimby)
    assert theme.label == "邻避设施选址" and set(theme.issues) == set(NIMBY)
    for place in ("丽发新城", "金茂悦", "双凫铺"):
        assert place not in theme.label and not any(place in word for word in theme.keywords)
    assert len(theme.places) == 3 and theme.submitters == 7
    # Flood defences are not in the lexicon: the two issues still meet through their shared problem word.
    floods = {corpus.theme_of(issue_id) for issue_id in FLOODS}
    assert len(floods) == 1 and floods != nimby
    assert next(t for t in corpus.themes if t.id in floods).label == "防汛"


def test_key_topic_candidate_scores_are_their_breakdowns(config, segmenter):
    corpus = Corpus({**NIMBY, **FLOODS}, config, segmenter)
    weights = config["rank"]["theme"]["weights"]
    assert corpus.candidates
    for _, score in corpus.candidates:
        assert score.value == sum(score.breakdown.values())
        assert set(score.breakdown) == set(weights)
        assert all(0.0 <= value <= 1.0 for value in score.factors.values())
    assert corpus.candidates[0][0].label == "邻避设施选址"  # more people, issues and places than the floods


def test_one_submitters_issue_is_never_a_candidate_however_endorsed(config, segmenter, tmp_path):
    loud = [suggestion(f"o{i}", f"解放路夜市占道经营第{i}次反映", "org-loud", endorsements=2097) for i in range(8)]
    corpus = Corpus({**NIMBY, "loud": loud}, config, segmenter)
    loud_theme = corpus.theme_of("loud")
    assert loud_theme not in {theme.id for theme, _ in corpus.candidates}
    entries = theme_entries(corpus.themes, corpus.candidates, [], corpus.suggestions)
    write_themes_json(tmp_path / "themes.json", entries)
    records = {r["id"]: r for r in json.loads((tmp_path / "themes.json").read_text(encoding="utf-8"))}
    assert records[loud_theme]["candidate"] is False and records[loud_theme]["rank"] is None
    assert records[loud_theme]["endorsements"] == 8 * 2097


def test_theme_reports_list_each_theme_with_its_issues_and_examples(config, segmenter, tmp_path):
    corpus = Corpus({**NIMBY, **FLOODS}, config, segmenter)
    entries = theme_entries(corpus.themes, corpus.candidates, corpus.key_topics(), corpus.suggestions)
    write_key_topics_md(tmp_path / "key_topics.md", entries, top_n=1, issues_shown=2)
    write_themes_csv(tmp_path / "themes.csv", entries, issues_shown=2)
    text = (tmp_path / "key_topics.md").read_text(encoding="utf-8")
    assert text.count("\n## ") == 1 and "## 1. 邻避设施选址" in text
    assert "反对在丽发新城小区旁建搅拌站（共同问题第 1 名" in text and "另有 1 个问题" in text
    assert "| 具体问题数 |" in text and "代表性意见" in text
    rows = (tmp_path / "themes.csv").read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].startswith("排名,主题编号,主题,综合得分") and rows[1].startswith("1,T-nimby,邻避设施选址")


def test_theme_ids_survive_a_recluster_and_the_input_order(config):
    corpus = prepare([SAMPLE], config, embedder="tfidf")
    workspace = Workspace(config, segmenter=corpus.segmenter, embedder_name="tfidf")
    workspace.fit(corpus.suggestions, corpus.vectors, corpus.tokens)
    before = workspace.theme_assignments()
    assert len(set(before.values())) > 10
    workspace.recluster()
    assert workspace.theme_assignments() == before

    order = list(reversed(range(len(corpus.suggestions))))
    reversed_workspace = Workspace(config, segmenter=corpus.segmenter, embedder_name="tfidf")
    reversed_workspace.fit([dataclasses.replace(corpus.suggestions[i]) for i in order], corpus.vectors[order],
                           [corpus.tokens[i] for i in order])
    assert reversed_workspace.theme_assignments() == before


def test_pairwise_theme_figures_count_pairs_of_gold_issues():
    gold = [{"id": "A", "members": ["a1", "a2"]}, {"id": "B", "members": ["b1"]}, {"id": "C", "members": ["c1"]}]
    gold_themes = {"A": "T1", "B": "T1", "C": "T2"}
    # A's members split 2:0 into theme x; B in x too; C alone: every pair right.
    assert evaluate_themes({"a1": "x", "a2": "x", "b1": "x", "c1": "y"}, gold, gold_themes)["f1"] == 1.0
    everything_together = evaluate_themes({"a1": "x", "a2": "x", "b1": "x", "c1": "x"}, gold, gold_themes)
    assert everything_together["precision"] == pytest.approx(1 / 3, abs=1e-4)
    assert everything_together["recall"] == 1.0
    assert evaluate_themes({"a1": "x", "a2": "x", "b1": "y", "c1": "z"}, gold, gold_themes)["f1"] == 0.0


def test_bad_theme_files_name_the_problem(tmp_path):
    path = tmp_path / "themes.json"
    path.write_text(json.dumps({"themes": [{"id": "T1", "issues": ["A"]}]}), encoding="utf-8")
    with pytest.raises(GoldError, match=r"没有主题的问题 \['B'\]"):
        load_gold_themes(path, ["A", "B"])
    lexicon = tmp_path / "lexicon.toml"
    lexicon.write_text('[[theme]]\ncode = "X"\nname = "甲"\nterms = ["a"]\n[[theme]]\ncode = "X"\nname = "乙"\n'
                       'terms = ["b"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="主题编号重复"):
        load_theme_lexicon(lexicon)


def test_the_workbook_reads_back_with_its_four_sheets_masked(config, tmp_path, write_csv):
    import openpyxl

    from triage.pipeline import run

    rows = [["id", "title", "body", "submitter"],
            ["a1", "=HYPERLINK(\"http://x\")反对在丽发新城小区旁建搅拌站", "联系电话13812345678，搅拌站粉尘噪音。", "p1"],
            ["a2", "丽发新城旁搅拌站扰民", "搅拌站噪音大。", "p2"],
            ["b1", "金茂悦小区门口要建变电站", "高压线离住宅太近。", "p3"],
            ["b2", "金茂悦变电站选址离家太近", "变电站辐射担忧。", "p4"]]
    result = run([write_csv(rows)], tmp_path / "out", config, embedder="tfidf")
    book = openpyxl.load_workbook(result.out / "triage.xlsx")
    assert book.sheetnames == ["重点议题候选", "共同问题", "直通车候选", "意见明细"]
    themes = list(book["重点议题候选"].values)
    assert themes[0][:3] == ("排名", "主题编号", "主题") and themes[1][2] == "邻避设施选址"
    details = list(book["意见明细"].values)
    assert len(details) == 1 + 4
    first = details[1]
    assert first[1].startswith("=HYPERLINK")  # kept as the text it is, not run as a formula
    assert book["意见明细"]["B2"].data_type == "s"
    assert "13812345678" not in first[2] and "[手机号]" in first[2]
    assert first[13] == "T-nimby" and first[14] == "邻避设施选址"
    assert len(list(book["共同问题"].values)) >= 2 and len(list(book["直通车候选"].values)) >= 2


def test_readings_kept_on_disk_give_the_themes_of_readings_made_afresh(config, tmp_path):
    import sqlite3

    from triage.themes import theme_finder_from_config

    corpus = prepare([SAMPLE], config, embedder="tfidf")
    workspace = Workspace(config, segmenter=corpus.segmenter, embedder_name="tfidf")
    workspace.fit(corpus.suggestions, corpus.vectors, corpus.tokens)

    def themes(cache_dir, title_weight=config["themes"]["title_weight"]) -> list[dict]:
        varied = {**config, "embed": {**config["embed"], "cache_dir": cache_dir},
                  "themes": {**config["themes"], "title_weight": title_weight}}
        finder = theme_finder_from_config(varied, corpus.segmenter)
        return [t.to_dict() for t in find_themes(workspace.issues(), corpus.suggestions, corpus.tokens, varied, finder)]

    def stored() -> int:
        with sqlite3.connect(tmp_path / "theme_readings.sqlite") as db:
            return db.execute("SELECT COUNT(*) FROM theme_readings").fetchone()[0]

    fresh = themes(None)
    assert themes(str(tmp_path)) == fresh  # read afresh, then stored
    assert stored() == len({(s.title, s.body) for s in corpus.suggestions})
    assert themes(str(tmp_path)) == fresh  # read back
    # Readings made with other settings are never served: another title weight reads every text again.
    assert themes(str(tmp_path), title_weight=1.0) == themes(None, title_weight=1.0)
    assert stored() == 2 * len({(s.title, s.body) for s in corpus.suggestions})
