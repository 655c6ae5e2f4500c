"""Duplicate detection compares Chinese text without a whitespace tokenizer."""

from app.complaints.similarity import bigrams, similarity


def test_same_complaint_in_other_words_is_similar():
    a = "南明区花果园小区门口路灯坏了，晚上一片漆黑"
    b = "花果园小区门口的路灯坏了好几天，晚上很黑"
    assert similarity(a, b) > 0.4


def test_unrelated_complaints_are_not():
    assert similarity("花果园小区门口路灯坏了", "菜市场猪肉价格太高") < 0.1


def test_punctuation_spacing_and_width_do_not_matter():
    assert similarity("路灯 坏了！", "路灯坏了!") == 1.0
    assert bigrams("ＡＢ") == bigrams("ab")


def test_empty_text_is_never_similar():
    assert similarity("", "路灯") == 0.0
