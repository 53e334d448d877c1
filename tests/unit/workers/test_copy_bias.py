"""Copy-biased decoding: which tokens a prompt's `copy_from` favours, and by how much."""

from workers.backend import ChatPrompt, copy_bias


class WordTokenizer:
    """One token a spelling: enough to see which spellings are asked for."""

    def __init__(self) -> None:
        self.vocab: dict[str, int] = {}

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        return [self.vocab.setdefault(text, len(self.vocab) + 1)]


def prompt(copy_from: str, bias: float) -> ChatPrompt:
    return ChatPrompt(messages=({"role": "user", "content": "x"},), copy_from=copy_from, copy_bias=bias)


def test_every_word_of_the_facts_is_favoured_as_spelled_mid_sentence_and_at_its_start() -> None:
    tokenizer = WordTokenizer()
    bias = copy_bias(prompt("Olive Wood Salad Bowl\nmaterial: olive wood", 2.0), tokenizer, exclude=set())
    spelled = {text for text, token in tokenizer.vocab.items() if token in bias}
    assert {" Olive", "Olive", " olive", " Wood", " wood", " material", "Material", " Bowl"} <= spelled
    assert set(bias.values()) == {2.0}


def test_no_bias_without_a_weight_or_a_source_and_stop_tokens_are_never_favoured() -> None:
    tokenizer = WordTokenizer()
    assert copy_bias(prompt("walnut", 0.0), tokenizer, exclude=set()) == {}
    assert copy_bias(prompt("", 2.0), tokenizer, exclude=set()) == {}
    stop = tokenizer.encode(" walnut")[0]
    assert stop not in copy_bias(prompt("walnut", 2.0), tokenizer, exclude={stop})
