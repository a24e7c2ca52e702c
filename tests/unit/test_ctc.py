import numpy as np
import pytest

from ocr.charset import Charset
from ocr.ctc import collapse_path, decode_greedy, line_probabilities

CHARSET = Charset("abc01")  # classes: blank=0, a=1, b=2, c=3, 0=4, 1=5


def one_hot(path, confidence=0.9):
    probs = np.full((len(path), CHARSET.num_classes), (1 - confidence) / (CHARSET.num_classes - 1), np.float32)
    probs[np.arange(len(path)), path] = confidence
    return probs


def test_repeats_collapse_and_blank_separates_them():
    assert [cls for cls, _, _ in collapse_path([1, 1, 0, 2])] == [1, 2]
    assert [cls for cls, _, _ in collapse_path([1, 0, 1])] == [1, 1]


def test_1000_survives_decoding():
    # "1000": the zeros are kept apart by blanks; no repeat-collapsing text rule afterwards.
    path = [5, 5, 4, 0, 4, 4, 0, 4]
    assert decode_greedy(one_hot(path), CHARSET).text == "1000"


def test_empty_sequence_and_all_blank():
    empty = decode_greedy(np.zeros((0, CHARSET.num_classes), np.float32), CHARSET)
    assert (empty.text, empty.chars) == ("", [])
    blank = decode_greedy(one_hot([0, 0, 0], confidence=0.8), CHARSET)
    assert blank.text == "" and blank.chars == []
    assert blank.confidence == pytest.approx(0.8)


def test_per_character_confidence_is_the_best_frame_of_its_run():
    probs = one_hot([1, 1, 0, 2], confidence=0.6)
    probs[1, 1] = 0.95
    decoded = decode_greedy(probs, CHARSET)
    assert decoded.text == "ab"
    assert decoded.chars[0] == ("a", pytest.approx(0.95))
    assert decoded.chars[1] == ("b", pytest.approx(0.6))
    assert decoded.confidence == pytest.approx((0.95 + 0.6) / 2)


def test_batch_decoding_ignores_padding_frames():
    logits = np.full((2, 4, CHARSET.num_classes), -10.0, np.float32)
    for frame, cls in enumerate([1, 0, 2, 3]):
        logits[0, frame, cls] = 10.0
    for frame, cls in enumerate([3, 3, 3, 3]):
        logits[1, frame, cls] = 10.0
    first, second = (decode_greedy(probs, CHARSET) for probs in line_probabilities(logits, [2, 4]))
    assert first.text == "a"  # frames 2..3 are padding
    assert second.text == "c"


def test_wrong_shape_is_refused():
    with pytest.raises(ValueError):
        decode_greedy(np.zeros((3, 2), np.float32), CHARSET)
