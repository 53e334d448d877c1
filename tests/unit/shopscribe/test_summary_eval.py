from shopscribe.summary_eval import rouge_against_references


def test_rouge_against_references_is_the_mean_over_references() -> None:
    scores = rouge_against_references("soft fabric great fit", ["soft fabric great fit", "nothing in common here"])
    assert abs(scores["rouge1"] - 0.5) < 1e-9 and set(scores) == {"rouge1", "rouge2", "rougeL"}


def test_voice_flags_first_person_repeats_and_copies() -> None:
    from shopscribe.summary_eval import voice

    review = "The straps broke after one week of gentle daily use at the office."
    assert voice("I love it. I love it.", [review]) == {"first_person": True, "repeated_sentence": True,
                                                        "copies_review": False}
    assert voice("Reviewers say the straps broke after one week of gentle daily use.", [review])["copies_review"]
    assert not any(voice("Two reviewers say the straps broke (2 of 8).", [review]).values())
