"""Opt-in image keeping for shadowed requests: bounded, and only plain request ids name files."""
from ocr.service.kept_images import KeptImages


def test_off_by_default_keeps_nothing(tmp_path):
    KeptImages(None, 10).keep("abc", [b"x"])
    assert list(tmp_path.iterdir()) == []


def test_at_most_max_files_are_kept_oldest_dropped_first(tmp_path):
    kept = KeptImages(str(tmp_path / "kept"), max_files=2)
    for request_id in ("a1", "b2", "c3"):
        kept.keep(request_id, [request_id.encode()])
    assert sorted(path.name for path in (tmp_path / "kept").iterdir()) == ["b2-0.img", "c3-0.img"]


def test_a_request_id_that_is_not_a_plain_token_never_names_a_file(tmp_path):
    kept = KeptImages(str(tmp_path / "kept"), max_files=10)
    for request_id in ("../evil", "a/b", "..", "x" * 200, ""):
        kept.keep(request_id, [b"data"])
    assert list((tmp_path / "kept").iterdir()) == []
    assert not (tmp_path / "evil-0.img").exists()
