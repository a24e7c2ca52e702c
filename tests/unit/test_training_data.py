"""Pure pieces of the training pipeline: determinism, exclusion of evaluation texts, batching, schedule."""
import random
import re
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image, ImageDraw

from ocr.charset import default_charset
from ocr.preprocess import PreprocessOptions
from training.corpus import CATEGORIES, CODES, TextSampler, chinese_characters, chinese_words
from training.dataset import RECIPES, Recipe, Shard, bucketed_batches, load_shard, render_shard, save_shard
from training.evalset import BLIND_CATEGORIES, EVAL_CATEGORIES, build_blind_set, evaluation_texts
from training.evaluate import score
from training.fonts import (EVAL2_BLIND_FONTS, EVAL_BLIND_FONTS, EVAL_UNSEEN_FONTS, JAPANESE_HAN_FONTS, TRAIN_FONTS,
                            covered_characters, draw_text, fonts_for, load_font, missing_font_files)
from training.render import CLEAN as CLEAN_AUGMENTATION
from training.render import SLANTED, SPACED, STEM_NINES, TRAIN, Augmentation, _shear, render_line
from training.render_cache import cache_dir_for, missing_jobs, render_jobs
from training.text_sources import documentation_lines
from training.train import LinePool, lr_factor
from training.train_config import LineSource, load_config


def test_text_sampler_is_deterministic_and_inside_the_charset():
    first = [TextSampler(random.Random(9)).sample(category) for category in CATEGORIES]
    second = [TextSampler(random.Random(9)).sample(category) for category in CATEGORIES]
    assert first == second
    sampler = TextSampler(random.Random(1))
    charset = default_charset()
    texts = [sampler.sample(category) for category in (*CATEGORIES, CODES) for _ in range(50)]
    assert all(charset.covers(text) and text.strip() for text in texts)


def test_codes_draw_rare_letters_as_often_as_common_ones():
    sampler = TextSampler(random.Random(2))
    letters = "".join(sampler.sample(CODES) for _ in range(3000)).lower()
    counts = {letter: letters.count(letter) for letter in "qzxjeta"}
    assert min(counts.values()) > 0.6 * max(counts.values())  # word text gives q about 1/100 of e


def test_chinese_lines_draw_characters_about_as_often_as_text_uses_them_and_keep_the_rare_ones():
    words, cumulative = chinese_words(power=1.0)
    usage = Counter()  # how often text uses each character, by jieba's word counts
    for word, before, total in zip(words, [0.0, *cumulative], cumulative):
        for char in word:
            usage[char] += total - before
    commonest = {char for char, _ in usage.most_common(500)}
    sampler = TextSampler(random.Random(3))
    drawn = "".join(sampler.sample("zh") for _ in range(3000))
    charset_hanzi = set(chinese_characters())
    hanzi = [char for char in drawn if char in charset_hanzi]
    common_share = sum(char in commonest for char in hanzi) / len(hanzi)
    text_share = sum(usage[char] for char in commonest) / sum(usage.values())
    assert abs(common_share - text_share) < 0.08  # sqrt(frequency) drew them 20 points less often than text
    assert len(set(hanzi) - commonest) > 1500  # rare characters still come


def family_word(font) -> str:
    """The first word of a face's family name (its name table's ID 1): Gentium Basic -> gentium."""
    from fontTools.ttLib import TTFont

    with TTFont(font.path, fontNumber=font.index, lazy=True) as handle:
        return handle["name"].getDebugName(1).split()[0].lower()


def test_evaluation_and_training_fonts_never_overlap():
    for recipe in RECIPES.values():
        reserved = EVAL_UNSEEN_FONTS + EVAL_BLIND_FONTS + EVAL2_BLIND_FONTS
        assert not {font.path for font in recipe.fonts} & {font.path for font in reserved}
        # Nor another file of a reserved family (GentiumBasic beside Gentium, FreeFont's OpenType files).
        assert not {family_word(font) for font in recipe.fonts} & {family_word(font) for font in reserved}
    assert missing_font_files() == []
    # Noto CJK's index 2 is the Simplified Chinese face and covers the level-1 hanzi.
    assert set(default_charset().alphabet[107:]) <= covered_characters(TRAIN_FONTS[0])


def test_evaluation_texts_are_fixed_and_excluded_from_training_shards(tmp_path):
    pairs = evaluation_texts(4)
    assert pairs == evaluation_texts(4) and [c for c, _ in pairs] == [c for c in EVAL_CATEGORIES for _ in range(4)]
    excluded = frozenset(text for _, text in pairs)
    shard = render_shard(seed=11, count=30, options=PreprocessOptions(), excluded_texts=excluded)
    assert not excluded & set(shard.texts)
    path = tmp_path / "shard_00000.npz"
    save_shard(shard, path)
    loaded = load_shard(path, 32)
    assert loaded.texts == shard.texts
    assert all(np.array_equal(a, b) for a, b in zip(loaded.images, shard.images))


def test_the_blind_set_is_fixed_latin_and_drawn_only_in_the_blind_faces():
    items, again = build_blind_set(6), build_blind_set(6)
    assert [item.category for item in items] == [c for c in BLIND_CATEGORIES for _ in range(6)]
    assert [item.text for item in items] == [item.text for item in again]
    assert all(np.array_equal(np.asarray(a.image), np.asarray(b.image)) for a, b in zip(items, again))
    assert {item.font for item in items} <= {font.name for font in EVAL_BLIND_FONTS}
    assert not {item.text for item in items} & {text for _, text in evaluation_texts()}


def test_configs_with_another_recipe_data_seed_or_preprocessing_never_share_cached_shards(tmp_path):
    options = (PreprocessOptions(), PreprocessOptions(height=48), PreprocessOptions(gray="contrast"))
    folders = {cache_dir_for(LineSource(recipe, seed, 1), option, tmp_path)
               for recipe in RECIPES for seed in (1000, 2000) for option in options}
    assert len(folders) == 2 * len(RECIPES) * len(options)
    assert cache_dir_for(LineSource("codes", 1000, 1), PreprocessOptions(), tmp_path).name == "lines-codes-1000"


def test_shards_rendered_by_several_processes_are_the_ones_one_process_renders(tmp_path):
    config = replace(load_config("v2"), shards=2, also=({"recipe": "codes", "data_seed": 6100, "shards": 1},))
    jobs = missing_jobs(config, tmp_path / "one", shard_size=6)
    # Shard by shard across the sources: both sources' first shards come before the second of the first.
    assert [(job.recipe_name, job.path.name) for job in jobs] == [
        (config.recipe, "shard_00000.npz"), ("codes", "shard_00000.npz"), (config.recipe, "shard_00001.npz")]
    render_jobs(jobs, workers=1, quiet=True)
    render_jobs(missing_jobs(config, tmp_path / "two", shard_size=6), workers=2, quiet=True)
    assert missing_jobs(config, tmp_path / "two") == []  # all there: a second run renders nothing
    for job in jobs:
        one, two = load_shard(job.path, 32), load_shard(tmp_path / "two" / job.path.relative_to(tmp_path / "one"), 32)
        assert one.texts == two.texts and all(np.array_equal(a, b) for a, b in zip(one.images, two.images))


def test_a_config_trains_on_its_own_recipe_and_on_every_further_source(tmp_path):
    config = replace(load_config("v2"), also=({"recipe": "codes", "data_seed": 6100, "shards": 2},))
    assert config.sources() == [LineSource(config.recipe, config.data_seed, config.shards),
                                LineSource("codes", 6100, 2)]
    for source, lines in zip(config.sources(), (3, 5)):
        folder = cache_dir_for(source, config.preprocess, tmp_path)
        folder.mkdir()
        save_shard(Shard([np.full((32, 64), 255, np.uint8)] * lines, ["ab"] * lines), folder / "shard_00000.npz")
    assert LinePool(tmp_path, config, default_charset()).refresh() == 8


def test_a_recipe_draws_text_from_its_own_mix_of_categories():
    def hanzi_lines(categories):
        recipe = Recipe(TRAIN_FONTS, 0.0, TRAIN, categories)
        shard = render_shard(seed=12, count=20, options=PreprocessOptions(), excluded_texts=frozenset(),
                             recipe=recipe)
        return sum(any("\u4e00" <= character <= "\u9fff" for character in text) for text in shard.texts)

    assert (hanzi_lines({"zh": 1.0}), hanzi_lines({"en": 0.5, "num": 0.5})) == (20, 0)


def test_every_wide_recipe_hanzi_face_draws_the_level_1_hanzi():
    hanzi = set(default_charset().alphabet[107:]) - set("》")
    for font in RECIPES["wide"].fonts:
        if font.cjk:
            assert hanzi <= covered_characters(font), font.name


def test_every_training_hanzi_face_draws_its_hanzi_as_distinct_inked_glyphs():
    """Coverage comes from the cmap; a face that maps characters to blank or shared glyphs (a fallback box)
    would teach the model to read an empty space or a box as a character."""
    hanzi = sorted(set(default_charset().alphabet[107:]) - set("》"))
    sample = random.Random(3).sample(hanzi, 150)
    faces = {font for recipe in RECIPES.values() for font in recipe.fonts if font.cjk}
    for font in faces:
        covered = [character for character in sample if character in covered_characters(font)]
        glyphs = set()
        for character in covered:
            canvas = Image.new("L", (40, 40))
            draw_text(ImageDraw.Draw(canvas), (4, 4), character, load_font(font, 32), 255)
            pixels = np.asarray(canvas)
            assert (pixels > 128).sum() > 20, (font.name, character)
            glyphs.add(pixels.tobytes())
        assert len(covered) > 100 and len(glyphs) == len(covered), font.name


def test_a_japanese_face_draws_the_hanzi_it_lacks_in_its_fallback_on_its_own_baseline():
    font = next(font for font in JAPANESE_HAN_FONTS if font.path.endswith("BIZUDGothic-Regular.ttf"))
    own, lacking = "明", "们"  # 们 is a simplified form: no JIS face has it
    assert own in covered_characters(replace(font, fallback=None)) and lacking not in covered_characters(
        replace(font, fallback=None))
    assert lacking in covered_characters(font) and fonts_for(own + lacking, (font,)) == [font]
    face = load_font(font, 40)

    def ink(text, drawn_face):
        canvas = Image.new("L", (200, 80))
        draw_text(ImageDraw.Draw(canvas), (10, 10), text, drawn_face, 255)
        return np.asarray(canvas)

    line = ink(own + lacking, face)
    split = 10 + round(face.face.getlength(own))
    # Each character is its own face's glyph: the lacking one is the fallback's, not the face's missing-glyph box.
    assert np.array_equal(line[:, :split], ink(own, face.face)[:, :split])
    fallback_alone = ink(lacking, load_font(font.fallback, 40))
    shift = face.ascent - load_font(font.fallback, 40).getmetrics()[0]  # the fallback sits on the face's baseline
    assert np.array_equal(line[:, split:], np.roll(fallback_alone, (shift, split - 10), axis=(0, 1))[:, split:])
    # Measured as Pillow measures one face: across the advances, and from the ink's top to its bottom.
    rows = np.nonzero(line.any(axis=1))[0]
    left, top, right, bottom = face.getbbox(own + lacking)
    assert (left, right) == (0, round(face.getlength(own + lacking))) == (0, 80)
    assert abs(10 + top - rows[0]) <= 1 and abs(10 + bottom - 1 - rows[-1]) <= 1


def test_letter_spacing_widens_the_ink_of_a_line():
    text = "国民党。ABC"
    font = fonts_for(text, TRAIN_FONTS)[0]
    fixed = Augmentation(min_size=32, max_size=32, probability=0.0)

    def ink_width(augmentation: Augmentation, seed: int) -> int:
        pixels = np.asarray(render_line(text, font, random.Random(seed), augmentation), dtype=np.int16)
        columns = np.flatnonzero((abs(pixels - pixels[0, 0]) > 100).any(axis=0))  # either polarity
        return int(columns[-1] - columns[0])

    plain = [ink_width(fixed, seed) for seed in range(5)]
    spaced = [ink_width(replace(fixed, spaced_share=1.0), seed) for seed in range(5)]
    assert len(set(plain)) == 1  # margins move the text, not its width
    # 6 gaps of at least 0.08 x 32 px each
    assert all(width >= plain[0] + 6 * 0.08 * 32 - 1 for width in spaced)
    assert SPACED.spaced_share > 0 and TRAIN.spaced_share == 0  # the base recipe is never spaced


def test_shearing_leans_upright_strokes_by_the_slant_and_keeps_all_ink():
    font = fonts_for("IHI", TRAIN_FONTS)[0]
    upright = render_line("IHI", font, random.Random(3), Augmentation(min_size=48, max_size=48, probability=0.0))

    def slope_and_ink(image) -> tuple[float, int]:
        """How far the ink's mean column moves per row down the line, and how much ink there is."""
        pixels = np.asarray(image, dtype=np.int16)
        ink = abs(pixels - pixels[0, 0]) > 100
        assert not ink[:, [0, -1]].any()  # a stroke at the edge would be cut off
        rows = [row for row in range(ink.shape[0]) if ink[row].any()]
        centres = [np.flatnonzero(ink[row]).mean() for row in rows]
        return float(np.polyfit(rows, centres, 1)[0]), int(ink.sum())

    slope, ink = slope_and_ink(upright)
    assert abs(slope) < 0.02
    for slant in (0.3, -0.1):
        sheared = _shear(upright, slant, fill=int(np.asarray(upright)[0, 0]))
        sheared_slope, sheared_ink = slope_and_ink(sheared)
        assert sheared_slope == pytest.approx(-slant, abs=0.03)  # the top leans right for a positive slant
        assert sheared_ink == pytest.approx(ink, rel=0.2)  # no stroke lost (resampling blurs edges)
    assert SLANTED.slant_share > 0 and SPACED.slant_share == 0 == TRAIN.slant_share  # old recipes unchanged


def test_stem_nines_draw_the_q_shape_sitting_on_the_baseline_at_digit_height():
    font = fonts_for("19q", TRAIN_FONTS)[0]
    size = Augmentation(min_size=48, max_size=48, probability=0.0)

    def ink(text: str, stem_nine_share: float) -> np.ndarray:
        pixels = np.asarray(render_line(text, font, random.Random(5), replace(size, stem_nine_share=stem_nine_share)))
        return abs(pixels.astype(np.int16) - pixels[0, 0]) > 100

    def rows(mask: np.ndarray) -> tuple[int, int]:
        filled = np.flatnonzero(mask.any(axis=1))
        return int(filled[0]), int(filled[-1])

    def shape(mask: np.ndarray) -> np.ndarray:
        """The ink cropped to its box and scaled to 24x24, so shapes compare whatever their size."""
        top, bottom = rows(mask)
        columns = np.flatnonzero(mask.any(axis=0))
        crop = mask[top:bottom + 1, columns[0]:columns[-1] + 1]
        return np.asarray(Image.fromarray(crop.astype(np.uint8) * 255).resize((24, 24))) > 127

    def overlap(a: np.ndarray, b: np.ndarray) -> float:
        return (a & b).sum() / (a | b).sum()

    one_nine = ink("19", 1.0)
    one_column_end = np.flatnonzero(one_nine.any(axis=0))[0] + 1
    while one_nine[:, one_column_end].any():  # the 1 ends where a blank column begins
        one_column_end += 1
    one, stem_nine = one_nine[:, :one_column_end], one_nine[:, one_column_end:]
    assert abs(rows(stem_nine)[0] - rows(one)[0]) <= 2 and abs(rows(stem_nine)[1] - rows(one)[1]) <= 2
    q, plain_nine = ink("q", 0.0), ink("9", 0.0)
    assert overlap(shape(stem_nine), shape(q)) > 0.8 > overlap(shape(plain_nine), shape(q))
    assert STEM_NINES.stem_nine_share > 0 == SLANTED.stem_nine_share


def test_bucketed_batches_cover_every_line_once_with_similar_widths():
    widths = [random.Random(i).randint(20, 800) for i in range(1000)]
    batches = bucketed_batches(widths, 32, random.Random(0))
    assert sorted(i for batch in batches for i in batch) == list(range(1000))
    spreads = [max(widths[i] for i in batch) - min(widths[i] for i in batch) for batch in batches]
    assert np.median(spreads) < 60


def test_learning_rate_warms_up_then_decays_to_zero():
    factors = [lr_factor(step, 1000, 0.04) for step in range(1000)]
    assert factors[0] == pytest.approx(1 / 40) and max(factors) == pytest.approx(1.0)
    assert factors[39] == pytest.approx(1.0) and factors[-1] < 0.001
    assert all(a >= b for a, b in zip(factors[40:], factors[41:]))


def test_constant_schedule_warms_up_then_holds_the_peak():
    factors = [lr_factor(step, 1000, 0.04, "constant") for step in range(1000)]
    assert factors[0] == pytest.approx(1 / 40)
    assert factors[39:] == [1.0] * 961


def test_scores_use_exact_lines_and_character_error_rate():
    report = score([("hello", "hello"), ("world", "word"), ("“引”", '"引"')])
    assert report["lines"] == 3
    assert report["line_accuracy"] == pytest.approx(2 / 3, abs=1e-4)
    assert report["char_accuracy"] == pytest.approx(1 - 1 / 13, abs=1e-4)


def test_documentation_lines_leave_licences_out_keep_real_prose_and_grow_only_by_what_a_package_adds(tmp_path):
    from training.text_sources import _is_doc_file

    licences = tmp_path / "licences"
    licences.mkdir()
    (licences / "GPL-3").write_text("When we speak of free software, we are referring to freedom\n")
    docs = tmp_path / "doc"

    def add_package(name: str) -> None:
        (docs / name).mkdir(parents=True)
        (docs / name / "README.md").write_text(f"Install {name} with `make install`, then run it.\n\u00e9t\u00e9 only\nok\n"
                                               "When we speak of free software, we are referring to freedom\n")
        (docs / name / "copyright").write_text("Permission is hereby granted, free of charge, to any person\n")

    for number in range(60):
        add_package(f"lib{number:02d}")
    assert not _is_doc_file(docs / "lib00" / "copyright") and _is_doc_file(docs / "lib00" / "NEWS.gz")
    before = documentation_lines(docs, licences)
    add_package("aaa-new")  # sorts first: it must not push anyone's lines out
    after = documentation_lines(docs, licences)
    assert 0 < len(before) < 60  # one file in ten or so, by a hash of its path
    assert set(before) <= set(after) and all(line.endswith("with `make install`, then run it.") for line in after)
    other = documentation_lines(docs, licences, share=1)  # the decoder's settings are chosen on another tenth
    assert 0 < len(other) < 60 and not set(other) & set(after)


def test_chinese_documentation_lines_are_the_sentences_a_reader_sees_in_a_wheels_docstrings(tmp_path):
    import zipfile

    from training.text_sources import chinese_documentation_lines

    with zipfile.ZipFile(tmp_path / "cloud_sdk-1.0-py3-none-any.whl", "w") as wheel:
        wheel.writestr("cloud_sdk/models.py", "\n".join([
            'class DescribeZonesRequest(AbstractModel):',
            '    r"""DescribeZones请求参数结构体',  # one phrase per API: left out
            '        :param _PayType: <p>付费类型，取值：PRE_PAID - 包年包月，&gt; 0 时有效。</p>',
            '        r"""实例ID，形如：ins-xxxxxxxx。"""',
            '        # 资源不存在。',
            '        self._Zone = None  # 中',  # one hanzi: not a sentence
            'print("no Chinese here")']))
        wheel.writestr("cloud_sdk/README.txt", "说明文字不是代码。\n")  # only Python files are read
    lines = chinese_documentation_lines("cloud-sdk==1.0", tmp_path)
    assert lines == ("付费类型，取值：PRE_PAID - 包年包月，> 0 时有效。", "实例ID，形如：ins-xxxxxxxx。", "资源不存在。")


def test_chinese_labels_are_the_quoted_strings_of_code_and_the_text_of_comments_across_wheels(tmp_path):
    import zipfile

    from training.text_sources import chinese_label_lines

    with zipfile.ZipFile(tmp_path / "market-1.0-py3-none-any.whl", "w") as wheel:
        wheel.writestr("market/stock.py", "\n".join([
            '    temp_df["融券余量"] = pd.to_numeric(temp_df["融券余量"], errors="coerce")',  # the label, once
            "    columns = ['最新价', '涨跌幅', '量']",  # one hanzi: not a label
            '    :return: 沪深京 A 股实时行情',
            '    Desc: 东方财富网-数据中心',
            '    f"{day}-单位净值"',  # a template, not what a table shows
            '    "\\n=== 结算参数 ==="']))
    with zipfile.ZipFile(tmp_path / "chat-2.0-py3-none-any.whl", "w") as wheel:
        wheel.writestr("chat/errors.py", "        # 请检查 Access Token 的有效期\n")
    lines = chinese_label_lines(("market==1.0", "chat==2.0"), tmp_path)
    assert lines == ("东方财富网-数据中心", "最新价", "沪深京 A 股实时行情", "涨跌幅", "融券余量", "请检查 Access Token 的有效期")


def test_chinese_dictionary_lines_are_each_sense_of_a_definition_and_each_saying_with_its_answer(tmp_path):
    import io
    import zipfile

    from training.text_sources import chinese_dictionary_lines

    def zipped(name: str, text: str) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(name, text)
        return buffer.getvalue()

    with zipfile.ZipFile(tmp_path / "toolkit-1.0-py3-none-any.whl", "w") as wheel:
        wheel.writestr("jionlp/dictionary/chinese_word_dictionary.zip", zipped("words.txt", "\n".join([
            "晨风\t1.清晨的风。 2.鸟名。",  # two senses, each its own line
            "撤回\t1.撤退回来;撤退回到。 2.谓收回文件﹑命令等。",
            "衬衣\t穿在外衣里面的单上衣。",  # one sense, unnumbered
            "丁\t1.丁。",  # one hanzi: not a line
            "no tab here"])))
        wheel.writestr("jionlp/dictionary/xiehouyu.zip", zipped("xiehouyu.txt", "一个巴掌\t拍不响\n"))
    lines = chinese_dictionary_lines("toolkit==1.0", tmp_path)
    # "鸟名。" is shorter than a line
    assert lines == tuple(sorted({"清晨的风。", "撤退回来;撤退回到。", "谓收回文件﹑命令等。", "穿在外衣里面的单上衣。", "一个巴掌，拍不响"}))


def test_chinese_sentences_are_cut_mostly_at_a_clause_and_never_longer_than_a_line(monkeypatch):
    import training.text_sources as text_sources

    sentence = "当前接收端已在其他的公网IP类型的流量镜像中使用，请先解除绑定，再重试本次操作。"
    monkeypatch.setattr(text_sources, "chinese_documentation_lines", lambda: ("资源不存在。", sentence))
    sampler = TextSampler(random.Random(5))
    cuts = [sampler.sample("zh_docs") for _ in range(300)]
    for source, category in (("chinese_label_lines", "zh_labels"), ("chinese_dictionary_lines", "zh_dictionary")):
        monkeypatch.setattr(text_sources, source, lambda: (sentence,))
        assert all(cut in sentence and 4 <= len(cut) <= 24 for cut in (sampler.sample(category) for _ in range(30)))
    assert "资源不存在。" in cuts and all(cut in sentence or cut in "资源不存在。" for cut in cuts)
    long_cuts = [cut for cut in cuts if cut in sentence]
    assert all(4 <= len(cut) <= 24 for cut in long_cuts) and len(set(long_cuts)) > 20
    at_clause = sum(cut.startswith(("当前", "请先", "再重试")) for cut in long_cuts)
    assert at_clause > 0.6 * len(long_cuts)


def test_photo_recipe_crops_tight_and_its_camera_effects_keep_the_ink():
    from training.render import PHOTO, _perspective

    tight = Augmentation(probability=0.0, tight_share=1.0)
    loose = Augmentation(probability=0.0)
    font = fonts_for("Hello", TRAIN_FONTS)[0]
    heights = [render_line("Hello", font, random.Random(seed), augmentation).height
               for augmentation in (tight, loose) for seed in range(20)]
    assert np.mean(heights[:20]) < np.mean(heights[20:])  # tight crops carry less margin above and below
    line = render_line("Hello World", font, random.Random(1), CLEAN_AUGMENTATION)
    ink_before = (255 - np.asarray(line, dtype=np.int64)).sum()
    warped = _perspective(line, random.Random(2), 255)
    assert 0.7 < (255 - np.asarray(warped, dtype=np.int64)).sum() / ink_before < 1.3
    assert PHOTO.tight_share and PHOTO.photo_share and RECIPES["photo"].augmentation is PHOTO


def test_screen_lines_are_drawn_at_interface_pixel_sizes_and_subpixel_ones_fringe_their_stems_in_colour():
    from training.render import SCREEN, _subpixel

    font = fonts_for("Settings", TRAIN_FONTS)[0]
    screen = [render_line("Settings", font, random.Random(seed), SCREEN).height for seed in range(30)]
    page = [render_line("Settings", font, random.Random(seed), CLEAN_AUGMENTATION).height for seed in range(30)]
    assert np.median(screen) < 30 < np.median(page)  # 10-22 px glyphs, where other recipes draw 24-96 px
    stem = Image.new("L", (60, 30), 255)
    ImageDraw.Draw(stem).rectangle((28, 0, 34, 29), fill=0)  # a dark stem starting and ending mid-pixel
    lcd = np.asarray(_subpixel(stem), dtype=np.int64)
    assert lcd.shape == (10, 20, 3)
    assert (lcd[:, 0] == 255).all() and (lcd[:, -1] == 255).all()  # the paper stays white to the edges
    edges = [lcd[0, column] for column in (9, 11)]
    assert all(pixel.max() - pixel.min() > 40 for pixel in edges)  # coloured fringes either side of the stem
    assert edges[0][0] > edges[0][2] and edges[1][0] < edges[1][2]  # red before it, blue after it


def test_varied_lines_are_condensed_or_extended_and_bolder_or_lighter_but_never_lose_their_strokes():
    from training.render import PHOTO_COLOUR, PHOTO_VARIED

    text = "权限不足 Width"
    font = fonts_for(text, TRAIN_FONTS)[0]
    fixed = Augmentation(min_size=48, max_size=48, probability=0.0)

    def ink(image) -> tuple[int, float]:
        """The ink's width in columns, and its mass (dark ink on light paper, either polarity)."""
        pixels = np.asarray(image, dtype=np.float64)
        away = abs(pixels - pixels[0, 0])
        columns = np.flatnonzero((away > 100).any(axis=0))
        return int(columns[-1] - columns[0]), float(away.sum())

    plain_width, plain_mass = ink(render_line(text, font, random.Random(0), fixed))
    stretched = [ink(render_line(text, font, random.Random(seed), replace(fixed, stretch_share=1.0)))[0]
                 for seed in range(12)]
    assert all(0.55 * plain_width < width < 1.45 * plain_width for width in stretched)
    assert min(stretched) < 0.9 * plain_width and max(stretched) > 1.1 * plain_width  # both ways

    masses = [ink(render_line(text, font, random.Random(seed), replace(fixed, weight_share=1.0)))[1]
              for seed in range(12)]
    assert max(masses) > 1.3 * plain_mass  # bolder
    assert min(masses) < 0.9 * plain_mass  # lighter
    assert min(masses) >= 0.6 * plain_mass  # never thinned away
    small = replace(fixed, min_size=20, max_size=20)
    assert ink(render_line(text, font, random.Random(1), replace(small, weight_share=1.0))) == \
        ink(render_line(text, font, random.Random(1), small))  # small lines keep their face's weight
    # Older recipes draw exactly as before: no random number is taken when the shares are 0.
    assert PHOTO_COLOUR.stretch_share == PHOTO_COLOUR.weight_share == 0
    assert RECIPES["photo_varied"].augmentation is PHOTO_VARIED and PHOTO_VARIED.stretch_share > 0


def test_warped_glyphs_bend_their_strokes_in_place_and_keep_their_ink():
    from training.render import PHOTO_VARIED, PHOTO_WARPED, _warp

    text = "权限不足 Width"
    font = fonts_for(text, TRAIN_FONTS)[0]
    line = render_line(text, font, random.Random(0), Augmentation(min_size=48, max_size=48, probability=0.0))
    paper = int(np.asarray(line)[0, 0])
    plain = paper - np.asarray(line, dtype=np.float64)
    columns = lambda ink: np.flatnonzero((ink > 100).any(axis=0))  # noqa: E731
    for seed in range(8):
        bent = paper - np.asarray(_warp(line, random.Random(seed), 48, paper), dtype=np.float64)
        assert bent.shape == plain.shape
        assert 0.9 < bent.sum() / plain.sum() < 1.1  # no stroke lost or doubled
        assert abs(columns(bent)[0] - columns(plain)[0]) <= 3 and abs(columns(bent)[-1] - columns(plain)[-1]) <= 3
        assert 0.05 < np.abs(bent - plain).sum() / plain.sum()  # the strokes moved
        assert np.corrcoef(bent.ravel(), plain.ravel())[0, 1] > 0.6  # by a stroke's width at most, not the line
    blank = Image.new("L", (120, 40), 200)
    assert (np.asarray(_warp(blank, random.Random(1), 40, 200)) == 200).all()  # the paper stays paper
    # Older recipes draw exactly as before: no random number is taken when the share is 0.
    assert PHOTO_VARIED.warp_share == 0 and RECIPES["photo_warped"].augmentation is PHOTO_WARPED


def test_the_ui_evaluation_texts_are_fixed_and_never_drawn_for_training():
    from training.evalset_ui import reserved_texts, ui_texts

    texts = ui_texts()
    assert len(texts) == 600 and [language for language, _ in texts[:1] + texts[-1:]] == ["en", "zh"]
    reserved = reserved_texts()
    assert {text for _, text in texts} <= reserved
    shard = render_shard(seed=5, count=40, options=PreprocessOptions(), excluded_texts=reserved,
                         recipe=RECIPES["photo"])
    assert not reserved & set(shard.texts) and len(shard.texts) == 40


def test_the_large_ui_group_is_fixed_apart_from_the_other_samples_and_drawn_like_the_ui_set():
    from training.evalset_ui import (LARGE_TEXTS_PATH, PAGE_TEXTS_PATH, TEXTS_PATH, build_large_ui_set,
                                     reserved_texts, ui_texts)

    large = ui_texts(LARGE_TEXTS_PATH)
    assert [sum(language == wanted for language, _ in large) for wanted in ("en", "zh")] == [1000, 1000]
    texts = {text for _, text in large}
    assert len(texts) == 2000 and texts <= reserved_texts()  # training never draws them
    assert not texts & {text for path in (TEXTS_PATH, PAGE_TEXTS_PATH) for _, text in ui_texts(path)}
    items = build_large_ui_set()
    assert [item.text for item in items] == [text for _, text in large]
    assert 950 <= sum(not item.seen_font for item in items) <= 1100  # half in the blind faces, as the UI set
    assert np.asarray(items[7].image).tobytes() == np.asarray(build_large_ui_set()[7].image).tobytes()


def test_page_crops_are_cut_by_the_served_detector_and_labelled_with_the_line_they_cover():
    from training.fonts import PHOTO_FONTS
    from training.page_crops import compose_page, labelled_crops, served_detector

    rng = random.Random(4)
    image, lines = compose_page(rng, TextSampler(rng), {"en": 0.5, "zh": 0.5}, PHOTO_FONTS, frozenset())
    crops = labelled_crops(image, lines, PreprocessOptions(), served_detector())
    drawn = [text for text, _ in lines]
    assert len(crops) >= len(lines) // 2  # most lines are found and matched
    assert {text for _, text in crops} <= set(drawn)
    assert all(crop.shape[0] == 32 and crop.dtype == np.uint8 for crop, _ in crops)
    # A line the composer was told to leave out never becomes a label.
    rng = random.Random(4)
    _, again = compose_page(rng, TextSampler(rng), {"en": 0.5, "zh": 0.5}, PHOTO_FONTS, frozenset(drawn[:1]))
    assert drawn[0] not in [text for text, _ in again]


def test_colour_lines_come_in_legible_pairs_half_of_nearly_equal_luminance():
    from training.render import PHOTO_COLOUR, _colour_pair, colourize, luminance

    pairs = [_colour_pair(random.Random(seed)) for seed in range(200)]
    assert all(sum((a - b) ** 2 for a, b in zip(ink, paper)) >= 110 ** 2 for ink, paper in pairs)
    near = sum(abs(luminance(ink) - luminance(paper)) < 30 for ink, paper in pairs)
    assert 70 <= near <= 150  # by chance alone, few uniform pairs that far apart are this close in luminance
    line = render_line("Hello", fonts_for("Hello", TRAIN_FONTS)[0], random.Random(1), CLEAN_AUGMENTATION)
    coloured = np.asarray(colourize(line, (200, 40, 40), (40, 140, 60)), dtype=np.int64)
    gray = np.asarray(line)
    assert (np.abs(coloured[gray == 255] - (40, 140, 60)) <= 1).all()  # the paper takes the paper's colour
    assert (np.abs(coloured[gray == gray.min()] - (200, 40, 40)) <= 1).all()  # the darkest ink the ink's
    assert RECIPES["photo_colour"].augmentation is PHOTO_COLOUR and PHOTO_COLOUR.colour_share == 0.5
    shard = render_shard(seed=3, count=12, options=PreprocessOptions(gray="contrast"), excluded_texts=frozenset(),
                         recipe=RECIPES["photo_colour"])
    assert all(image.dtype == np.uint8 and image.shape[0] == 32 for image in shard.images)


def test_the_colour_evaluation_set_is_fixed_blind_and_in_sign_colours():
    from training.evalset_ui import build_ui_colour_set, reserved_texts
    from training.fonts import EVAL2_BLIND_FONTS

    items = build_ui_colour_set()
    assert len(items) >= 190 and {item.category for item in items} == {"en", "zh"}
    assert not any(item.seen_font for item in items)
    assert {item.font for item in items} <= {font.name for font in EVAL2_BLIND_FONTS}
    assert {item.text for item in items} <= reserved_texts()
    assert all(item.image.mode == "RGB" for item in items)
    again = build_ui_colour_set()
    assert [np.asarray(item.image).tobytes() for item in items[:5]] == [np.asarray(item.image).tobytes()
                                                                        for item in again[:5]]


def test_english_messages_are_the_standard_librarys_text_constants_with_values_where_placeholders_were(monkeypatch):
    import training.text_sources as text_sources

    messages = text_sources.english_message_lines()
    assert {"File is not a zip file", "Invalid section name: %r"} <= set(messages)  # zipfile's and configparser's
    assert all(" " in message and message.isascii() and "\n" not in message for message in messages)
    assert not {"utf-8", "__main__", "HTTP/1.1"} & set(messages)  # names and codes, not text

    monkeypatch.setattr(text_sources, "english_message_lines", lambda: ("Invalid section name: %r", "line %d of {}"))
    sampler = TextSampler(random.Random(2))
    drawn = [sampler.sample("en_messages") for _ in range(200)]
    assert 20 < drawn.count("Invalid section name: %r") + drawn.count("line %d of {}") < 100  # sometimes as written
    filled = [text for text in drawn if "%" not in text and "{" not in text]
    assert any(text.startswith("Invalid section name: '") and text.endswith("'") for text in filled)  # %r: a repr
    assert all(re.fullmatch(r"line \d+ of \S+", text) for text in filled if text.startswith("line "))


def _write_pak(path, resources: dict[int, bytes]) -> None:
    """A Chromium data pack, format 5, UTF-8, no aliases: the layout the browser's locale packs use."""
    import struct

    ids = sorted(resources)
    offset = 12 + 6 * (len(ids) + 1)
    table, data = b"", b""
    for resource in ids:
        table += struct.pack("<HI", resource, offset + len(data))
        data += resources[resource]
    table += struct.pack("<HI", 0, offset + len(data))
    path.write_bytes(struct.pack("<IBxxxHH", 5, 1, len(ids), 0) + table + data)


def test_browser_interface_lines_are_each_plural_form_and_line_of_a_locale_pack_with_its_slots_marked(tmp_path):
    from training.text_sources import browser_interface_lines

    english, chinese = browser_interface_lines(), browser_interface_lines("zh-CN")  # the installed browser's
    assert len(english) > 5000 and len(chinese) > 5000 and {"New Tab", "Settings"} <= set(english)
    assert {"新标签页", "设置"} <= set(chinese) and all(line.isascii() for line in english)
    _write_pak(tmp_path / "en-US.pak", {
        1: "&Open link in new tab".encode(),
        2: "{COUNT, plural,\n =1 {Removed 1 site}\n other {Removed # sites}}".encode(),
        3: "Can\u2019t reach <b>$1</b>\u2026\nTry {NAME} again".encode(),
        4: b"\x89PNG\r\n\x1a\n\xff\xfe",  # a binary resource
        5: "OK".encode(),  # too short to be a line
    })
    _write_pak(tmp_path / "zh-CN.pak", {7: "关闭标签页(&C)".encode(), 8: "已下载“$1”。".encode(), 9: "确定".encode()})
    assert browser_interface_lines("en-US", tmp_path) == (
        "Can't reach $1...", "Open link in new tab", "Removed $1 sites", "Removed 1 site", "Try $1 again")
    assert browser_interface_lines("zh-CN", tmp_path) == ("关闭标签页", "已下载“$1”。", "确定")
    (tmp_path / "de.pak").write_bytes(b"\x04\x00\x00\x00" + bytes(12))
    with pytest.raises(ValueError, match="version 4"):
        browser_interface_lines("de", tmp_path)


def test_browser_lines_are_drawn_with_a_value_in_every_slot(monkeypatch):
    import training.text_sources as text_sources

    monkeypatch.setattr(text_sources, "browser_interface_lines",
                        lambda locale: ("Removed $1 sites from $1",) if locale == "en-US" else ("已下载“$1”。",))
    sampler = TextSampler(random.Random(2))
    english = [sampler.sample("en_browser") for _ in range(100)]
    chinese = [sampler.sample("zh_browser") for _ in range(100)]
    assert not any("$" in text for text in english + chinese)
    whole = [re.fullmatch(r"Removed (.+) sites from (.+)", text) for text in english]
    assert sum(bool(match) for match in whole) > 50  # a run of words is sometimes cut out (_window)
    values = {value for match in whole if match for value in match.groups()}
    assert any(value.isdigit() for value in values) and any(re.fullmatch(r"[a-z]+\.[a-z]+", value) for value in values)
    whole = [text for text in chinese if text.startswith("已下载") and text.endswith("。")]
    assert len(whole) > 30 and all(re.fullmatch(r"已下载“[^“”$]+”。", text) for text in whole)  # long ones are cut


def test_evaluation_reports_each_language_in_trained_and_in_blind_faces_apart():
    from types import SimpleNamespace

    from training.evalset import EvalItem
    from training.evaluate import evaluate

    class Reader:  # reads every line right except those drawn in a blind face in Chinese
        def recognize(self, images):
            return [SimpleNamespace(text=image.info["read"]) for image in images]

    def item(language, seen, read_right):
        image = Image.new("L", (8, 8))
        image.info["read"] = "right" if read_right else "wrong"
        return EvalItem(language, "right", "face#0", seen, image)

    items = [item("en", True, True), item("en", False, True), item("zh", True, True), item("zh", False, False),
             item("zh", False, True)]
    report = evaluate(Reader(), items)
    assert {name: report[name]["line_accuracy"] for name in
            ("en_seen_font", "en_unseen_font", "zh_seen_font", "zh_unseen_font", "unseen_font", "overall")} == {
        "en_seen_font": 1.0, "en_unseen_font": 1.0, "zh_seen_font": 1.0, "zh_unseen_font": 0.5,
        "unseen_font": round(2 / 3, 4), "overall": 0.8}
