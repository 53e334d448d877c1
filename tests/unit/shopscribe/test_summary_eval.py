from shopscribe.summary_eval import rouge_against_references


def test_rouge_against_references_is_the_mean_over_references() -> None:
    scores = rouge_against_references("soft fabric great fit", ["soft fabric great fit", "nothing in common here"])
    assert abs(scores["rouge1"] - 0.5) < 1e-9 and set(scores) == {"rouge1", "rouge2", "rougeL"}
