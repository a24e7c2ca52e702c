"""Models trained elsewhere become versions: a PaddleOCR-format recognizer and detector from a pinned wheel."""
import json

import pytest

from ocr.manifest import load_version
from ocr.page import PageReader
from ocr.preprocess import decode_image
from tests.helpers import ROOT
from training.import_models import SOURCES, import_version


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    return import_version("v9", "ppocrv4-mobile", tmp_path_factory.mktemp("services"))


def test_the_imported_folder_is_a_verified_version_with_its_own_charset_and_preprocessing(imported):
    bundle = load_version(imported)
    manifest = bundle.manifest
    assert manifest["version"] == "v9" and manifest["outputs"] == "probabilities"
    assert bundle.preprocess_options.style == "paddle" and bundle.preprocess_options.height == 48
    assert len(bundle.charset.alphabet) == 6624 and bundle.charset.alphabet[-1] == " "  # 6623 + space (+ blank)
    assert SOURCES["ppocrv4-mobile"].requirement in manifest["model"]["source"]
    assert manifest["detector"]["source"].endswith("ch_PP-OCRv4_det_infer.onnx")
    assert bundle.language_model_path.is_file()  # read with the beam and language model, like our own
    assert bundle.beam_settings.lm_weight == SOURCES["ppocrv4-mobile"].decoder_settings["lm_weight"]
    with pytest.raises(FileExistsError):
        import_version("v9", "ppocrv4-mobile", imported.parent)


def test_the_imported_version_reads_the_smoke_set_through_the_same_pipeline(imported):
    reader = PageReader.from_directory(imported)
    expected = json.loads((ROOT / "deploy" / "smoke" / "expected.json").read_text(encoding="utf-8"))
    read = {name: reader.read(decode_image((ROOT / "deploy" / "smoke" / name).read_bytes())).text for name in expected}
    # PP-OCR drops some spaces between hanzi and digits ("合计金额1,280.00元"): compare without spaces.
    assert sum(read[name].replace(" ", "") == text.replace(" ", "") for name, text in expected.items()) >= 9
    assert read["page_01.png"].split("\n")[0] == "Settings"
