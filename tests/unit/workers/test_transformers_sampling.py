"""How the decode engine picks each next token: greedy rows take the argmax, sampled
rows draw from their top-p nucleus with their own seeded generator."""

from collections import Counter

import torch

from workers.engine.sampling import NUCLEUS_CANDIDATES, TOP_P, choose, seeded


def draws(logits: torch.Tensor, seeds: range) -> Counter[int]:
    """One sampled row at temperature 1, drawn once per seed."""
    picked = [
        int(choose(logits[None], torch.tensor([1.0]), torch.tensor([True]), [seeded(seed)])[0]) for seed in seeds
    ]
    return Counter(picked)


def test_greedy_rows_take_the_argmax_next_to_sampled_rows() -> None:
    logits = torch.tensor([[0.0, 5.0, 1.0], [3.0, 0.0, 1.0], [0.0, 0.0, 9.0]])
    sampled = torch.tensor([False, True, False])
    chosen = choose(logits, torch.tensor([0.0, 0.7, 0.0]), sampled, [None, seeded(1), None])
    assert chosen[0] == 1 and chosen[2] == 2


def test_sampling_never_leaves_the_nucleus_and_follows_its_probabilities() -> None:
    # probabilities 0.50 / 0.30 / 0.16 / 0.04: the mass before the last is 0.96 >= TOP_P,
    # so the nucleus is the first three, renormalised over 0.96.
    logits = torch.tensor([0.50, 0.30, 0.16, 0.04]).log()
    counts = draws(logits, range(4000))
    assert 3 not in counts
    for token, p in ((0, 0.50), (1, 0.30), (2, 0.16)):
        assert abs(counts[token] / 4000 - p / 0.96) < 0.03


def test_a_rows_draw_depends_on_its_seed_not_on_the_rest_of_the_batch() -> None:
    torch.manual_seed(0)
    row = torch.randn(1000)
    alone = choose(row[None], torch.tensor([0.8]), torch.tensor([True]), [seeded(42)])
    crowd = torch.stack([torch.randn(1000), row, torch.randn(1000)])
    batched = choose(crowd, torch.tensor([0.8, 0.8, 0.0]), torch.tensor([True, True, False]),
                      [seeded(7), seeded(42), None])
    assert batched[1] == alone[0]


def test_a_flat_distribution_samples_its_whole_nucleus_beyond_the_ranked_candidates() -> None:
    # Nearly uniform over 1,000 tokens, highest first: the nucleus is ~950 tokens, far more
    # than the NUCLEUS_CANDIDATES ranked on the fast path.
    logits = -torch.arange(1000, dtype=torch.float32) * 1e-3
    counts = draws(logits, range(300))
    assert any(token >= NUCLEUS_CANDIDATES for token in counts)
    assert max(counts) < 1000 * TOP_P + 20
