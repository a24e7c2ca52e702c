"""The teacher's beliefs become per-symbol targets on our charset, and the KL term reads the student where it
emits each symbol (training/teacher.py)."""
import numpy as np
import pytest
import torch

from ocr.charset import Charset
from training.teacher import DistillOptions, class_map, distillation_loss, symbol_targets

CHARSET = Charset("Ab中")  # A=1, b=2, 中=3
TEACHER_ALPHABET = "AＡb中€"  # full-width Ａ folds onto A; € is not ours
CLASSES = class_map(TEACHER_ALPHABET, CHARSET)
A, B, ZHONG = 1, 2, 3


def teacher_frames(*rows: dict) -> np.ndarray:
    """(frames, 6) teacher probabilities from {teacher class: probability} rows (the rest is blank's)."""
    probabilities = np.zeros((len(rows), len(TEACHER_ALPHABET) + 1), dtype=np.float32)
    for frame, row in enumerate(rows):
        for cls, probability in row.items():
            probabilities[frame, cls] = probability
        probabilities[frame, 0] = 1 - sum(row.values())
    return probabilities


# A (with its full-width twin and b as runners-up), a blank, 中 (with € beside it), a blank.
READS_A_ZHONG = teacher_frames({1: 0.6, 2: 0.3, 3: 0.1}, {}, {4: 0.9, 5: 0.1}, {})
T1 = DistillOptions(temperature=1.0)


def test_class_map_folds_widths_and_marks_characters_we_lack():
    assert CLASSES.tolist() == [0, A, A, B, ZHONG, -1]


def test_targets_merge_folded_classes_and_drop_ones_we_lack():
    targets = symbol_targets(READS_A_ZHONG, CLASSES, [A, ZHONG], T1)
    got = {(int(s), int(c)): float(p) for s, c, p in zip(targets.symbols, targets.classes, targets.probabilities)}
    assert got == pytest.approx({(0, A): 0.9, (0, B): 0.1, (1, ZHONG): 1.0})
    assert targets.count == 2


def test_temperature_raises_the_runners_up():
    soft = symbol_targets(READS_A_ZHONG, CLASSES, [A, ZHONG], DistillOptions(temperature=2.0))
    runner_up = soft.probabilities[(soft.symbols == 0) & (soft.classes == B)][0]
    assert runner_up == pytest.approx(0.1 ** 0.5 / (0.9 ** 0.5 + 0.1 ** 0.5))


def test_no_targets_where_the_teacher_misreads_or_reads_a_character_we_lack():
    assert symbol_targets(READS_A_ZHONG, CLASSES, [B, ZHONG], T1) is None
    foreign = teacher_frames({1: 0.9}, {}, {5: 0.9}, {})
    assert symbol_targets(foreign, CLASSES, [A, ZHONG], T1) is None


def student_log_probs(frames: list[dict]) -> torch.Tensor:
    """(frames, 1, 4) log-probabilities from {class: logit} rows; unnamed classes get a logit of -30."""
    logits = torch.full((len(frames), 1, CHARSET.num_classes), -30.0)
    for frame, row in enumerate(frames):
        for cls, logit in row.items():
            logits[frame, 0, cls] = logit
    return logits.log_softmax(-1).requires_grad_()


def test_a_student_that_believes_what_the_teacher_does_costs_nothing_and_one_that_does_not_does():
    options = DistillOptions(temperature=2.0)
    targets = symbol_targets(READS_A_ZHONG, CLASSES, [A, ZHONG], options)
    q = {(int(s), int(c)): float(p) for s, c, p in zip(targets.symbols, targets.classes, targets.probabilities)}
    # Non-blank logits T * log q: softened by T they are the teacher's distribution. The symbols sit one frame
    # later than the teacher's, as the student's spikes often do.
    agreeing = student_log_probs([{0: 5.0}, {A: 2 * np.log(q[0, A]), B: 2 * np.log(q[0, B]), 0: -5.0},
                                  {0: 5.0}, {ZHONG: 0.0, 0: -5.0}])
    lengths = torch.tensor([4])
    assert distillation_loss(agreeing, lengths, [targets], 2.0).item() == pytest.approx(0.0, abs=1e-4)
    confused = student_log_probs([{0: 5.0}, {A: 0.0, ZHONG: -0.5, 0: -5.0}, {0: 5.0}, {ZHONG: 0.0, 0: -5.0}])
    loss = distillation_loss(confused, lengths, [targets], 2.0)
    assert loss.item() > 0.1
    loss.backward()
    touched = confused.grad.abs().sum(-1)[:, 0]
    assert touched[0] == 0 and touched[2] == 0 and touched[1] > 0  # only the frames where symbols are emitted


def test_lines_without_targets_or_with_another_symbol_count_are_left_to_ctc():
    targets = symbol_targets(READS_A_ZHONG, CLASSES, [A, ZHONG], T1)
    three_symbols = student_log_probs([{A: 0.0}, {0: 5.0}, {B: 0.0}, {ZHONG: 0.0}])
    lengths = torch.tensor([4])
    assert distillation_loss(three_symbols, lengths, [targets], 1.0).item() == 0.0
    assert distillation_loss(three_symbols, lengths, [None], 1.0).item() == 0.0
