"""The committed versions read with the beam search and the committed language model, and it pays."""
import pytest

from ocr.charset import normalize_for_scoring
from ocr.manifest import load_version, sha256_of
from ocr.runtime import Recognizer
from tests.helpers import version_dir
from training.decoder_settings import LANGUAGE_MODEL, choice_lines, unseen_text
from training.evalset_ui import reserved_texts, training_source_texts


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_each_version_carries_the_committed_language_model(version):
    bundle = load_version(version_dir(version))
    assert sha256_of(bundle.language_model_path) == sha256_of(LANGUAGE_MODEL)
    chosen = bundle.manifest["decoder"]["chosen_on"]
    assert chosen["line_accuracy"] > chosen["greedy_line_accuracy"]


def test_v2_reads_more_unseen_lines_with_its_decoder_than_greedily():
    # Lines whose real text neither the network nor the language model met (a seed of their own; measured on the
    # 2,400 such lines its settings were chosen on: see its manifest's decoder "chosen_on").
    served = Recognizer.from_directory(version_dir("v2"))
    greedy = Recognizer.from_directory(version_dir("v2"), language_model=False)
    assert served.language_model is not None and greedy.language_model is None
    texts, lines = choice_lines(served, count=201, seed=77)
    assert len(texts) == len(lines) == 201 and not set(texts) & reserved_texts()

    def read(recognizer):
        return sum(normalize_for_scoring(result.text) == normalize_for_scoring(text)
                   for result, text in zip(recognizer.recognize_many(lines), texts))

    assert read(served) >= read(greedy) + 4  # at least 2 points more of the 200


def test_the_decoder_choice_draws_no_line_of_a_training_source_or_an_evaluation_sample():
    seen = training_source_texts() | reserved_texts()
    for kind, (_, lines) in unseen_text().items():
        assert len(lines) > 1000, kind
        assert not set(lines) & seen, kind
