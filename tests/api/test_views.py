"""The rankings as the service pages them equal the rankings the batch outputs write, entry for entry."""
from __future__ import annotations

from pathlib import Path

from api.views import Filters, RankedThemes
from triage.config import load_config
from triage.pipeline import prepare
from triage.theme_reports import theme_entries
from triage.workspace import Workspace

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "suggestions.csv"


def test_a_page_of_themes_shows_what_the_files_show_for_the_same_themes():
    corpus = prepare([SAMPLE], load_config())
    workspace = Workspace(load_config(), segmenter=corpus.segmenter)
    workspace.fit(corpus.suggestions, corpus.vectors, corpus.tokens)
    everything = [e.to_dict() for e in theme_entries(workspace.themes(), workspace.theme_candidates(),
                                                      workspace.key_topics(), workspace.suggestions)
                  if e.rank is not None]
    ranked = RankedThemes(workspace, Filters())
    assert len(everything) >= 3
    assert [e.to_dict() for e in ranked[1:3]] == everything[1:3]
    assert [e.to_dict() for e in ranked] == everything
    last = everything[-1]
    assert ranked.find(last["id"]).to_dict() == last and ranked.find("T-nothing") is None
