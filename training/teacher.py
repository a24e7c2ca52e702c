"""A recognizer trained elsewhere as a distillation teacher: what it believes each character of a line could be.

A label says which characters a line holds; the teacher's posteriors also say what else each glyph could
plausibly be (l / I / 1, a hanzi and its look-alikes). Training adds to the CTC loss a KL term pulling the
student's softened distribution over characters, at the frame where it emits each symbol, towards the teacher's
at the frame where the teacher emits it. Symbols, not frames: the two networks place their CTC spikes
differently (measured on v2: a quarter of the frames' best classes differ, most spikes one frame apart), and a
frame-by-frame term would spend itself moving the student's spikes. Distilled: lines the teacher reads right
(its greedy path, mapped onto our charset, collapses to the label) whose symbols the student emits as many of;
elsewhere CTC alone.

The teacher (PP-OCRv6 small, from the pinned wheel) sees the same cached line as the student: a 32-row
contrast-stretched grey line, bright text on dark, turned back to dark on light and scaled to its 48 rows.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from ocr.charset import Charset, normalize_text
from ocr.ctc import collapse_path
from ocr.preprocess import pad_batch

from .import_models import PADDLE_PREPROCESS, SOURCES, dictionary_of
from .wheels import read_member


@dataclass(frozen=True)
class DistillOptions:
    teacher: str = "ppocrv6-small"  # a key of import_models.SOURCES
    weight: float = 1.0  # of the KL term beside CTC
    temperature: float = 2.0  # softens both sides, so that the runner-up classes carry weight
    top: int = 5  # teacher classes kept per symbol


@dataclass(frozen=True)
class SymbolTargets:
    """A line's teacher distributions over student classes for each symbol of its label, sparse: (symbol,
    class, probability) triples; the probabilities of one symbol sum to 1."""

    symbols: np.ndarray  # int64 positions in the label
    classes: np.ndarray  # int64 student class ids (never blank)
    probabilities: np.ndarray  # float32
    count: int  # symbols in the label


def class_map(teacher_alphabet: str, charset: Charset) -> np.ndarray:
    """Student class id of every teacher class (blank 0 -> 0), -1 where our charset has no such character."""
    def student_class(char: str) -> int:
        ids = charset.encode(char) if charset.covers(normalize_text(char)) else []
        return ids[0] if len(ids) == 1 else -1

    return np.asarray([0] + [student_class(char) for char in teacher_alphabet], dtype=np.int64)


def peak_frames(probabilities: np.ndarray, path: np.ndarray) -> list[int]:
    """For each symbol the greedy path emits, the frame of its span where its class is most probable."""
    return [start + int(probabilities[start:end, path[start]].argmax()) for _, start, end in collapse_path(path)]


def symbol_targets(probabilities: np.ndarray, classes: np.ndarray, label: list[int],
                   options: DistillOptions) -> SymbolTargets | None:
    """The teacher's (frames, classes) probabilities as per-symbol student targets; None where its greedy
    reading, mapped onto our classes, is not the label (or uses a character we lack)."""
    path = probabilities.argmax(-1)
    mapped_path = classes[path]
    if (mapped_path < 0).any() or [cls for cls, _, _ in collapse_path(mapped_path)] != label:
        return None
    at_peaks = probabilities[peak_frames(probabilities, path)][:, 1:]  # blank is not a character
    top = np.argpartition(-at_peaks, options.top - 1, axis=-1)[:, : options.top]
    mapped, top_probabilities = classes[top + 1], np.take_along_axis(at_peaks, top, -1)
    kept = (mapped >= 0) & (top_probabilities > 0)
    symbols = np.broadcast_to(np.arange(len(label))[:, None], top.shape)[kept]
    # Several teacher classes may fold onto one of ours (full- and half-width commas): their mass adds up.
    width = int(classes.max()) + 1
    keys, inverse = np.unique(symbols * width + mapped[kept], return_inverse=True)
    mass = np.bincount(inverse, weights=top_probabilities[kept])
    symbols, merged = keys // width, keys % width
    softened = mass ** (1.0 / options.temperature)
    totals = np.bincount(symbols, weights=softened, minlength=len(label))
    return SymbolTargets(symbols, merged, (softened / totals[symbols]).astype(np.float32), len(label))


def distillation_loss(log_probs: torch.Tensor, input_lengths: torch.Tensor, targets: list[SymbolTargets | None],
                      temperature: float) -> torch.Tensor:
    """KL(teacher || student) per distilled symbol over the non-blank classes, both softened by the temperature
    (times its square, so the gradient's scale does not depend on it), at the student's own peak frame of each
    symbol. log_probs: (frames, batch, classes). Lines whose greedy path emits another number of symbols than
    the label are left to CTC. Zero when no line is distilled."""
    paths = log_probs.detach().argmax(-1).T.cpu().numpy()
    frames, lines, classes, teacher, distilled = [], [], [], [], 0
    for line, target in enumerate(targets):
        if target is None:
            continue
        path = paths[line, : int(input_lengths[line])]
        peaks = np.asarray(peak_frames(log_probs[: len(path), line].detach().cpu().numpy(), path))
        if len(peaks) != target.count:
            continue
        frames.append(peaks[target.symbols])
        lines.append(np.full(len(target.symbols), line))
        classes.append(target.classes)
        teacher.append(target.probabilities)
        distilled += target.count
    if not frames:
        return log_probs.new_zeros(())
    at = (torch.from_numpy(np.concatenate(frames)), torch.from_numpy(np.concatenate(lines)))
    student = (log_probs[at][:, 1:] / temperature).log_softmax(-1)
    student = student.gather(1, torch.from_numpy(np.concatenate(classes))[:, None] - 1)[:, 0]
    teacher_probabilities = torch.from_numpy(np.concatenate(teacher))
    kl = torch.special.xlogy(teacher_probabilities, teacher_probabilities) - teacher_probabilities * student
    return kl.sum() / distilled * temperature ** 2


class Teacher:
    """The teacher's ONNX session and its class map; ``targets`` gives one cached line's SymbolTargets."""

    def __init__(self, options: DistillOptions, charset: Charset, threads: int) -> None:
        import onnxruntime

        models = SOURCES[options.teacher]
        model = read_member(models.requirement, models.recognizer)
        session_options = onnxruntime.SessionOptions()
        session_options.intra_op_num_threads = threads
        # Its threads must not spin between lines on the cores the student's step needs next.
        session_options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(model, session_options, providers=["CPUExecutionProvider"])
        self.input_name = self.session.get_inputs()[0].name
        self.classes = class_map(dictionary_of(model), charset)
        self.options = options

    def teacher_input(self, line: np.ndarray) -> np.ndarray:
        """A cached line (uint8, bright text on dark) as the teacher's (1, 3, 48, W) input."""
        height = PADDLE_PREPROCESS.height
        width = max(8, round(line.shape[1] * height / line.shape[0]))
        dark_on_light = np.asarray(Image.fromarray(255 - line).resize((width, height), Image.BILINEAR))
        # Unpadded (width_multiple 1): the teacher's frames change with padding.
        return pad_batch([np.repeat(dark_on_light[:, :, None], 3, axis=2)], width_multiple=1, style="paddle")[0]

    def targets(self, line: np.ndarray, label: list[int]) -> SymbolTargets | None:
        probabilities = self.session.run(None, {self.input_name: self.teacher_input(line)})[0][0]
        return symbol_targets(probabilities, self.classes, label, self.options)
