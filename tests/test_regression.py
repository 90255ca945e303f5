"""The main job's answers on the shipped sample do not change unless a change means them to.

Speed work (caches, incremental updates, arrays instead of loops) must leave every issue, theme, keyword, topic,
score and ranking exactly as it was. ``fixtures/sample_answers.json`` holds them as the main job gave them; a change that is
meant to change results regenerates it and says why in its commit:

    TRIAGE_UPDATE_FIXTURES=1 .venv/bin/python -m pytest tests/test_regression.py
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from triage.config import load_config
from triage.pipeline import analyse

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "fixtures" / "sample_answers.json"


def answers_on_the_sample() -> dict:
    workspace, _ = analyse([ROOT / "samples" / "suggestions.csv"], load_config())
    return {
        "issues": {issue.id: {"label": issue.label, "topic": issue.topic, "keywords": issue.keywords,
                              "members": issue.members, "size": issue.size, "submitters": issue.submitters}
                   for issue in workspace.issues()},
        "key_topics": [[issue.id, score.to_dict()] for issue, score in workspace.key_topics()],
        "digest": [[s.id, score.to_dict(), issue_id] for s, score, issue_id in workspace.digest()],
        "themes": [theme.to_dict() for theme in workspace.themes()],
        "theme_candidates": [[theme.id, score.to_dict()] for theme, score in workspace.theme_candidates()],
    }


def test_the_sample_gets_the_same_issues_themes_keywords_topics_scores_and_rankings():
    found = json.loads(json.dumps(answers_on_the_sample(), ensure_ascii=False))
    if os.environ.get("TRIAGE_UPDATE_FIXTURES"):
        FIXTURE.write_text(json.dumps(found, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    expected = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert found["issues"] == expected["issues"]
    assert found["key_topics"] == expected["key_topics"]
    assert found["digest"] == expected["digest"]
    assert found["themes"] == expected["themes"]
    assert found["theme_candidates"] == expected["theme_candidates"]
