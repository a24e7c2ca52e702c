import pytest

from ocr.charset import (ASCII_PRINTABLE, CHINESE_PUNCTUATION, default_charset, gb2312_level1_hanzi,
                         normalize_for_scoring, normalize_text)


def test_gb2312_level1_has_3755_distinct_hanzi_in_order():
    hanzi = gb2312_level1_hanzi()
    assert len(hanzi) == 3755 == len(set(hanzi))
    assert hanzi[0] == "啊" and hanzi[-1] == "座"
    assert all("\u4e00" <= char <= "\u9fff" for char in hanzi)


def test_charset_holds_ascii_punctuation_and_hanzi_plus_blank():
    charset = default_charset()
    assert charset.num_classes == 95 + len(CHINESE_PUNCTUATION) + 3755 + 1
    assert charset.covers(ASCII_PRINTABLE + CHINESE_PUNCTUATION + "中文识别")
    assert not charset.covers("鑫")  # level-2 hanzi are outside


@pytest.mark.parametrize("text", ["Hello, World! 1000", "价格：￥", "“引号”《书名》（注）", "a  b", "www.example.com"])
def test_round_trip_encode_decode(text):
    charset = default_charset()
    if not charset.covers(normalize_text(text)):
        with pytest.raises(ValueError, match="outside the charset"):
            charset.encode(text)
        return
    ids = charset.encode(text)
    assert 0 not in ids
    assert charset.decode_ids(ids) == normalize_text(text)


def test_full_width_ascii_folds_but_chinese_punctuation_stays():
    assert normalize_text("ＡＢＣ１２３％") == "ABC123%"
    assert normalize_text("你好，世界！（测试）") == "你好，世界！（测试）"
    assert normalize_text("a\u3000b") == "a b"


def test_scoring_treats_curly_and_straight_quotes_alike():
    assert normalize_for_scoring("“quoted”") == normalize_for_scoring('"quoted"')


def test_unknown_character_is_refused_with_its_name():
    with pytest.raises(ValueError, match="鑫"):
        default_charset().encode("鑫")
