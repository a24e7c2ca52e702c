"""Average networks fine-tuned from one start into one ("model soup"):
`python -m training.soup --ingredients v2,v2-warped,... --mix greedy --name NAME --out DIR`.

Stages warm-started from the same weights at a small learning rate lie in one basin; there the average of
several reads data unlike any one's training data better than each ingredient, and the served network is the
same size and speed. The ingredients are versions whose final weights `make train` left in training/checkpoints
(or --weights); every tensor is averaged, batch-norm statistics too.

Two ways to mix, as Wortsman et al. (2022) compare them: "uniform" averages every ingredient; "greedy" ranks the
ingredients by the choice lines they read (training.decoder_settings: unseen text, decoded with fixed settings)
and keeps each next one only if the average with it reads at least as many.
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import torch
from torch import Tensor

from ocr.charset import default_charset
from ocr.ctc import BeamSettings
from ocr.language_model import CharLanguageModel
from ocr.runtime import Recognizer

from .decoder_settings import LANGUAGE_MODEL, choice_lines, grid_counts
from .export import write_version_folder
from .train import WEIGHTS_DIR, build_model
from .train_config import TrainConfig, load_config

State = dict[str, Tensor]


def average(states: list[State]) -> State:
    """The mean of each floating tensor; counters (batch-norm's batches seen) are taken from the first."""
    first = states[0]
    if any(state.keys() != first.keys() for state in states):
        raise ValueError("ingredients differ in their tensors: a soup needs one architecture")
    return {key: torch.stack([state[key] for state in states]).mean(dim=0) if first[key].is_floating_point()
            else first[key].clone() for key in first}


class ChoiceJudge:
    """Counts the choice lines a set of weights reads, decoded with fixed beam settings (the lines drawn once)."""

    def __init__(self, config: TrainConfig, settings: BeamSettings, work: Path) -> None:
        self.config, self.settings, self.work = config, settings, work
        self.lm = CharLanguageModel.load(LANGUAGE_MODEL)
        self.texts: list[str] | None = None
        self.lines: list = []

    def __call__(self, state: State) -> int:
        model = build_model(self.config, default_charset().num_classes)
        model.load_state_dict(state)
        folder = self.work / "judged"
        write_version_folder(model.eval(), self.config, default_charset(), folder, {})
        recognizer = Recognizer.from_directory(folder)
        if self.texts is None:
            self.texts, self.lines = choice_lines(recognizer)
        cell = (self.settings.lm_weight, self.settings.length_bonus)
        _, counts = grid_counts(recognizer, self.texts, self.lines, self.lm, grid=(cell,))
        return counts[cell]


def greedy_soup(ingredients: dict[str, State], judge, log=print) -> tuple[list[str], int]:
    """Ingredients ranked by what each reads alone, each kept if the soup with it reads at least as much."""
    alone = {name: judge(state) for name, state in ingredients.items()}
    for name, count in alone.items():
        log(f"{name}: {count}")
    ranked = sorted(alone, key=alone.get, reverse=True)
    kept, best = [ranked[0]], alone[ranked[0]]
    for name in ranked[1:]:
        count = judge(average([ingredients[n] for n in kept + [name]]))
        log(f"+ {name}: {count} (soup of {len(kept)} read {best})")
        if count >= best:
            kept, best = kept + [name], count
    return kept, best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ingredients", required=True, help="versions, comma-separated, e.g. v2,v2-warped")
    parser.add_argument("--like", default="v2", help="the config whose network and preprocessing they share")
    parser.add_argument("--mix", choices=("uniform", "greedy"), default="uniform")
    parser.add_argument("--judged-with", default="0.3/0.8", help="greedy mix: lm_weight/length_bonus on the choice lines")
    parser.add_argument("--weights", type=Path, default=WEIGHTS_DIR, help="where the ingredients' weights are")
    parser.add_argument("--name", required=True, help="the soup's weights go to WEIGHTS/NAME.pt")
    parser.add_argument("--out", type=Path, required=True, help="version folder to write")
    args = parser.parse_args()
    config = load_config(args.like)
    ingredients = {name: torch.load(args.weights / f"{name}.pt", weights_only=True)
                   for name in args.ingredients.split(",")}
    names, record = list(ingredients), {"mix": args.mix}
    if args.mix == "greedy":
        weight, bonus = (float(value) for value in args.judged_with.split("/"))
        record["judged_with"] = {"lm_weight": weight, "length_bonus": bonus}
        with tempfile.TemporaryDirectory() as work:
            judge = ChoiceJudge(config, BeamSettings(weight, bonus), Path(work))
            names, record["choice_lines_read"] = greedy_soup(ingredients, judge)
    record["ingredients"] = names
    model = build_model(config, default_charset().num_classes)
    model.load_state_dict(average([ingredients[name] for name in names]))
    torch.save(model.state_dict(), args.weights / f"{args.name}.pt")
    print(write_version_folder(model.eval(), config, default_charset(), args.out, {"soup": record}))
    print(json.dumps(record))


if __name__ == "__main__":
    main()
