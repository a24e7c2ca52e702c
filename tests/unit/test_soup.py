"""Averaging fine-tuned networks (training/soup.py): the mean of each weight, and the greedy mix that keeps an
ingredient only when the soup with it reads at least as much."""
import pytest
import torch

from training.soup import average, greedy_soup


def state(weight: float, batches: int = 7) -> dict:
    return {"conv.weight": torch.full((2, 2), weight), "bn.num_batches_tracked": torch.tensor(batches)}


def test_average_takes_the_mean_of_weights_and_keeps_counters():
    soup = average([state(1.0), state(2.0), state(6.0, batches=9)])
    assert torch.equal(soup["conv.weight"], torch.full((2, 2), 3.0))
    assert soup["bn.num_batches_tracked"].item() == 7
    assert soup["bn.num_batches_tracked"].dtype == torch.int64


def test_average_refuses_ingredients_of_another_architecture():
    with pytest.raises(ValueError, match="one architecture"):
        average([state(1.0), {"conv.weight": torch.zeros(2, 2)}])


def test_greedy_soup_ranks_alone_then_keeps_what_does_not_lose():
    # A judge that prefers soups whose weight is near 2: alone, "c" (2.4) ranks first, then "a" (1.5), then "b" (9).
    ingredients = {"a": state(1.5), "b": state(9.0), "c": state(2.4)}
    judge = lambda soup: -round(abs(soup["conv.weight"][0, 0].item() - 2.0) * 100)
    kept, read = greedy_soup(ingredients, judge, log=lambda _: None)
    assert kept == ["c", "a"]  # c+a averages to 1.95 (nearer than c alone); adding b would pull it to 4.3
    assert read == -5


def test_greedy_soup_keeps_a_tie():
    ingredients = {"a": state(1.0), "b": state(3.0)}
    kept, _ = greedy_soup(ingredients, lambda soup: 5, log=lambda _: None)
    assert kept == ["a", "b"]
