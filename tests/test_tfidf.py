"""The issue finder's TF-IDF rows equal scikit-learn's to the last bit, so dropping the import changed no issue."""
import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from triage.tfidf import CharNgrams, TfidfVectors

TEXTS = ["丽发新城小区 搅拌站", "金茂悦小区  变电站\t高压线", "A3区 联丰路 米兰春天G2栋", "x", "", "丽发新城 丽发新城小区",
         "Ab  AB ab"]
TOKENS = [["搅拌站", "噪音", "噪音", "粉尘"], ["变电站", "辐射"], ["搅拌站", "扰民"], ["噪音"], [], ["变电站", "噪音"]]


def _same(theirs: TfidfVectorizer, ours: TfidfVectors, documents: list) -> None:
    expected, got = theirs.fit(documents).transform(documents), ours.fit(documents).transform(documents)
    assert ours.vocabulary_ == theirs.vocabulary_
    assert np.array_equal(ours.idf_, theirs.idf_)
    assert np.array_equal(got.indptr, expected.indptr) and np.array_equal(got.indices, expected.indices)
    assert got.data.tobytes() == expected.data.tobytes()


def test_character_ngram_rows_equal_scikit_learns():
    _same(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3), sublinear_tf=True),
          TfidfVectors(CharNgrams(2, 3)), TEXTS)


def test_word_rows_with_min_df_equal_scikit_learns():
    _same(TfidfVectorizer(analyzer=lambda words: words, sublinear_tf=True, min_df=2),
          TfidfVectors(lambda words: words, min_df=2), TOKENS)


@pytest.mark.parametrize("documents", [[], [["噪音"]], [["噪音"], ["扰民"]]])
def test_nothing_to_compare_by_is_refused_as_scikit_learn_refuses_it(documents):
    with pytest.raises(ValueError):
        TfidfVectorizer(analyzer=lambda words: words, min_df=2).fit(documents)
    with pytest.raises(ValueError):
        TfidfVectors(lambda words: words, min_df=2).fit(documents)


def test_long_rows_and_fit_transform_equal_scikit_learns():
    # Rows of hundreds of terms, where adding the squares in another order would change the last bit.
    rng = np.random.default_rng(3)
    words = [f"词{i}" for i in range(400)]
    documents = [[words[w] for w in rng.integers(0, 400, size=rng.integers(1, 600))] for _ in range(60)]
    _same(TfidfVectorizer(analyzer=lambda words: words, sublinear_tf=True, min_df=2),
          TfidfVectors(lambda words: words, min_df=2), documents)
    once = TfidfVectors(lambda words: words, min_df=2).fit_transform(documents)
    assert once.data.tobytes() == TfidfVectors(lambda words: words, min_df=2).fit(documents).transform(
        documents).data.tobytes()


def test_a_term_enters_a_fitted_vocabulary_once_min_df_documents_use_it():
    # 扰民 is used by one fitted document (2) and 新词 by none: each enters when a second document uses it, with the IDF
    # a fitted term used by two documents has (变电站), and the earlier user is named so its row can be made again.
    vectors = TfidfVectors(lambda words: words, min_df=2)
    vectors.fit(TOKENS)
    assert vectors.learn(["扰民", "新词", "噪音"], 6) == {"扰民": [2]}
    assert vectors.learn(["新词"], 7) == {"新词": [6]}
    assert vectors.idf_[vectors.vocabulary_["扰民"]] == vectors.idf_[vectors.vocabulary_["变电站"]]
    row = vectors.transform([["扰民", "新词"]])
    assert sorted(row.indices.tolist()) == sorted([vectors.vocabulary_["扰民"], vectors.vocabulary_["新词"]])
