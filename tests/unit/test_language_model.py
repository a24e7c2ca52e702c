"""The character language model and the beam search that reads with it."""
import random

import numpy as np
import pytest

from ocr.charset import Charset
from ocr.ctc import BeamSettings, decode_beam, decode_greedy
from ocr.language_model import BACKOFF, CharLanguageModel, count_ngrams, from_counts

CHARSET = Charset("ilw ")  # classes: blank=0, i=1, l=2, w=3, space=4
TEXT = ["will will", "wil will", "will"]


def model(order=3):
    return from_counts(count_ngrams(TEXT, order), order, min_count=1)


def frames(*rows):
    """Per-frame probabilities from {class: probability} rows; the rest of each row goes to the blank."""
    probs = np.zeros((len(rows), CHARSET.num_classes), np.float32)
    for frame, row in enumerate(rows):
        for cls, p in row.items():
            probs[frame, cls] = p
        probs[frame, 0] = 1 - sum(row.values())
    return probs


def test_counts_frame_each_line_with_spaces():
    counts = count_ngrams(["ab"], 2, weights=[2.0])
    assert counts == {" ": 4.0, "a": 2.0, "b": 2.0, " a": 2.0, "ab": 2.0, "b ": 2.0}


def test_a_character_is_scored_against_its_own_frequency_and_backs_off():
    lm = model()
    # After "wi", l is what always came: far likelier than l on its own.
    assert lm.score(" wi", "l") > 0.5
    # "iw" was never seen: w is scored from the shorter context "w"... which never precedes w either, so
    # both context characters are dropped: exactly two backoffs, no more.
    assert lm.score(" iw", "w") == pytest.approx(2 * BACKOFF)
    assert lm.score(" wi", "w") < lm.score(" wi", "l")


def test_save_and_load_give_the_same_scores_and_the_same_bytes(tmp_path):
    lm = model()
    lm.save(tmp_path / "a.json.gz")
    model().save(tmp_path / "b.json.gz")
    assert (tmp_path / "a.json.gz").read_bytes() == (tmp_path / "b.json.gz").read_bytes()
    loaded = CharLanguageModel.load(tmp_path / "a.json.gz")
    for context, char in ((" wi", "l"), (" w", "i"), ("ll", " "), (" ", "x")):
        assert loaded.score(context, char) == lm.score(context, char)


def test_the_beam_restores_a_letter_the_network_ranked_second():
    # w, then an uncertain i (blank likelier), then l, blank, l: greedy drops the i.
    probs = frames({3: 0.9}, {1: 0.4}, {2: 0.9}, {}, {2: 0.9})
    assert decode_greedy(probs, CHARSET).text == "wll"
    decoded = decode_beam(probs, CHARSET, model(), BeamSettings(lm_weight=1.0, length_bonus=0.0))
    assert decoded.text == "will"
    assert [char for char, _ in decoded.chars] == list("will")
    assert decoded.chars[1][1] == pytest.approx(0.4) and decoded.chars[0][1] == pytest.approx(0.9)


def test_without_the_models_weight_the_beam_reads_what_the_network_says():
    probs = frames({3: 0.9}, {1: 0.4}, {2: 0.9}, {}, {2: 0.9})
    decoded = decode_beam(probs, CHARSET, model(), BeamSettings(lm_weight=0.0, length_bonus=0.0))
    assert decoded.text == "wll"
    # A repeated letter needs a blank between its frames; a run of one letter is one letter.
    assert decode_beam(frames({2: 0.9}, {2: 0.9}), CHARSET, model(), BeamSettings(0.0, 0.0)).text == "l"


def test_letter_case_is_left_to_the_glyphs():
    # Prose writes "go on", a title "Go On": the model scores both alike, so a capital the network read
    # confidently stays, however rare capitals are in the model's text.
    lm = from_counts(count_ngrams(["go on", "go on", "go on", "Go on"], 3), 3, min_count=1)
    assert lm.score(" go ", "O") == lm.score(" go ", "o") == lm.score(" Go ", "o")
    charset = Charset("GOgno ")  # blank=0, G=1, O=2, g=3, n=4, o=5, space=6
    probs = np.zeros((6, charset.num_classes), np.float32)
    for frame, row in enumerate(({1: 0.9}, {5: 0.9}, {6: 0.9}, {2: 0.6, 5: 0.35}, {4: 0.9}, {})):
        for cls, p in row.items():
            probs[frame, cls] = p
        probs[frame, 0] = 1 - sum(row.values())
    assert decode_beam(probs, charset, lm, BeamSettings(lm_weight=2.0, length_bonus=0.0)).text == "Go On"


def test_an_empty_line_and_a_wrong_shape():
    empty = decode_beam(np.zeros((0, CHARSET.num_classes), np.float32), CHARSET, model())
    assert empty.text == "" and empty.chars == []
    with pytest.raises(ValueError, match="probabilities"):
        decode_beam(np.zeros((3, 2), np.float32), CHARSET, model())


def test_decoder_choice_picks_stay_put_when_a_package_adds_lines():
    from training.decoder_settings import hash_ordered, pick

    base = [f"line number {index} of some manual" for index in range(20_000)]
    grown = base + [f"a new package's line {index}" for index in range(1_000)]  # 5% more lines
    picks = [[pick(random.Random(seed), ordered) for seed in range(400)] for ordered in map(hash_ordered, (base, grown))]
    moved = sum(before != after for before, after in zip(*picks))
    assert 0 < moved < 60  # ~5% move (to the new lines); choosing by index moved nearly all
    assert set(picks[0]) <= set(base) and len(set(picks[0])) > 350


def test_interface_lines_are_cut_at_their_slots_and_leave_evaluation_texts_out(monkeypatch):
    from training import language_model

    evaluation_text = next(iter(language_model.every_evaluation_text()))
    packs = {"en-US": ("Delete $1 files?", evaluation_text, "Open in new tab"), "zh-CN": ("删除$1个文件？",)}
    monkeypatch.setattr(language_model, "browser_interface_lines", packs.__getitem__)
    monkeypatch.setattr(language_model, "held_out", lambda line: line == "Open in new tab")
    assert language_model.interface_lines() == ["Delete", "files?", "删除", "个文件？"]
