"""Segmentation with the domain dictionary and stop words, and TF-IDF keywords."""
from __future__ import annotations

from triage.segment import Segmenter


def test_domain_words_stay_whole(segmenter):
    tokens = segmenter.tokens("老旧小区改造中加装电梯难，物业公司不配合")
    assert "老旧小区改造" in tokens
    assert "加装电梯" in tokens
    assert "物业公司" in tokens


def test_stop_words_punctuation_numbers_and_single_characters_are_dropped(segmenter):
    tokens = segmenter.tokens("我们的小区，2024年有 3 个路灯坏了！")
    assert "我们" not in tokens
    assert not any(len(t) < 2 for t in tokens)
    assert "2024" not in tokens and "，" not in tokens and "！" not in tokens
    assert "路灯" in tokens


def test_without_assets_the_plain_jieba_split_is_used(tmp_path):
    stopwords = tmp_path / "stop.txt"
    stopwords.write_text("# comment\n路灯\n", encoding="utf-8")
    plain = Segmenter(stopwords=stopwords)
    assert "路灯" not in plain.tokens("小区路灯坏了")
    assert "# comment" not in plain._stop


def test_keywords_prefer_words_that_set_a_suggestion_apart(segmenter):
    documents = [["解决", "路灯", "小区"], ["解决", "交通", "学校"], ["解决", "垃圾", "清运"], ["解决", "小区", "停车"]]
    fitted = Segmenter(segmenter.userdict, segmenter.stopwords).fit(documents)
    # Every suggestion says 解决; 路灯 is only in the first, 小区 in two.
    assert fitted.keywords(documents[0], k=2) == ["路灯", "小区"]
    assert fitted.keywords(documents[0], k=3)[-1] == "解决"


def test_keywords_are_deterministic_and_capped(segmenter):
    fitted = Segmenter(segmenter.userdict, segmenter.stopwords).fit([["路灯", "小区"], ["交通", "学校"]])
    tokens = ["路灯", "小区", "路灯", "交通", "学校", "夜间"]
    assert fitted.keywords(tokens, k=3) == fitted.keywords(list(tokens), k=3)
    assert len(fitted.keywords(tokens, k=3)) == 3
    assert fitted.keywords(tokens, k=1) == ["路灯"]


def test_cached_tokens_equal_fresh_ones_and_a_new_user_dictionary_is_never_served_old_cuts(tmp_path):
    from triage.token_cache import TokenCache

    texts = ["老旧小区改造中加装电梯难，物业公司不配合", "丽发新城小区旁建搅拌站扰民", "丽发新城小区旁建搅拌站扰民"]
    userdict = tmp_path / "user.txt"
    userdict.write_text("加装电梯\n", encoding="utf-8")
    cache = tmp_path / "tokens.sqlite"
    first = TokenCache(Segmenter(userdict=userdict), cache)
    assert first.tokens(texts) == [Segmenter(userdict=userdict).tokens(t) for t in texts]
    assert first.last_new == 2
    again = TokenCache(Segmenter(userdict=userdict), cache)
    assert again.tokens(texts) == first.tokens(texts) and again.last_new == 0
    userdict.write_text("加装电梯\n丽发新城小区\n", encoding="utf-8")
    edited = TokenCache(Segmenter(userdict=userdict), cache)
    assert "丽发新城小区" in edited.tokens(texts)[1] and edited.last_new == 2


def test_remembered_dictionary_answers_equal_jiebas_and_a_new_user_dictionary_asks_again(tmp_path):
    from triage.known_words import KnownWords

    words = ["路灯", "物业公司", "丽发新城", "天健盛世"]
    userdict = tmp_path / "user.txt"
    userdict.write_text("物业公司\n", encoding="utf-8")
    cache = tmp_path / "dictionary.sqlite"
    fresh = Segmenter(userdict=userdict)
    assert KnownWords(fresh, cache)(words) == KnownWords(fresh)(words) == {"路灯", "物业公司"}
    assert KnownWords(Segmenter(userdict=userdict), cache)(words) == {"路灯", "物业公司"}
    userdict.write_text("物业公司\n丽发新城\n", encoding="utf-8")
    assert KnownWords(Segmenter(userdict=userdict), cache)(words) == {"路灯", "物业公司", "丽发新城"}


def test_anonymised_areas_do_not_swallow_the_name_that_follows(segmenter, tmp_path):
    from triage.token_cache import TokenCache

    text = "A市天健城第三期凌晨还在施工，A2区余易贷平台跑路"
    tokens = segmenter.tokens(text)
    assert "天健城" in tokens and "余易贷" in tokens
    assert not {"市天", "健城", "区余易贷"} & set(tokens)
    # Without the area pattern jieba glues 市 and 区 onto the names; the token cache tells the two settings apart.
    plain = Segmenter(segmenter.userdict, segmenter.stopwords)
    assert "余易贷" not in plain.tokens(text)
    cache = tmp_path / "tokens.sqlite"
    assert TokenCache(plain, cache).tokens([text]) == [plain.tokens(text)]
    assert TokenCache(segmenter, cache).tokens([text]) == [tokens]
