import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asrboot.text import Normalizer, english_number, expand_numbers, hindi_number, normalize
from asrboot.text.numbers import MAX_NUMBER


def nfc(s):
    return unicodedata.normalize("NFC", s)


def to_devanagari(s):
    return s.translate({ord(str(d)): chr(0x0966 + d) for d in range(10)})


HINDI = {
    0: "शून्य", 1: "एक", 5: "पाँच", 6: "छह", 9: "नौ", 10: "दस",
    11: "ग्यारह", 15: "पंद्रह", 18: "अठारह", 19: "उन्नीस", 21: "इक्कीस", 25: "पच्चीस",
    28: "अट्ठाईस", 29: "उनतीस", 33: "तैंतीस", 38: "अड़तीस", 39: "उनतालीस", 42: "बयालीस",
    45: "पैंतालीस", 49: "उनचास", 51: "इक्यावन", 53: "तिरेपन", 55: "पचपन", 59: "उनसठ",
    64: "चौंसठ", 65: "पैंसठ", 66: "छियासठ", 67: "सड़सठ", 68: "अड़सठ", 69: "उनहत्तर",
    72: "बहत्तर", 75: "पचहत्तर", 78: "अठहत्तर", 79: "उनासी", 80: "अस्सी", 85: "पचासी",
    89: "नवासी", 90: "नब्बे", 95: "पचानवे", 96: "छियानवे", 99: "निन्यानवे",
    100: "एक सौ",
    101: "एक सौ एक",
    999: "नौ सौ निन्यानवे",
    1000: "एक हज़ार",
    1001: "एक हज़ार एक",
    1500: "एक हज़ार पाँच सौ",
    45_000: "पैंतालीस हज़ार",
    1_25_000: "एक लाख पच्चीस हज़ार",
    10_00_000: "दस लाख",
    9_99_99_999: "नौ करोड़ निन्यानवे लाख निन्यानवे हज़ार नौ सौ निन्यानवे",
    1_00_00_000: "एक करोड़",
    99_99_99_999: "निन्यानवे करोड़ निन्यानवे लाख निन्यानवे हज़ार नौ सौ निन्यानवे",
}


@pytest.mark.parametrize("n, words", sorted(HINDI.items()))
def test_hindi_number(n, words):
    assert hindi_number(n) == nfc(words)


def test_hindi_0_to_99_are_distinct_single_words():
    words = [hindi_number(n) for n in range(100)]
    assert len(set(words)) == 100
    assert all(len(w.split()) == 1 for w in words)


@given(st.integers(0, MAX_NUMBER))
def test_hindi_number_is_normalizer_fixed_point(n):
    words = hindi_number(n)
    assert Normalizer.for_lm("hi")(words) == words
    assert unicodedata.is_normalized("NFC", words)


@pytest.mark.parametrize("n, words", [
    (0, "zero"), (13, "thirteen"), (21, "twenty one"), (40, "forty"), (100, "one hundred"),
    (115, "one hundred fifteen"), (1005, "one thousand five"), (1_000_000, "one million"),
    (MAX_NUMBER, "nine hundred ninety nine million nine hundred ninety nine thousand nine hundred ninety nine"),
])
def test_english_number(n, words):
    assert english_number(n) == words


def test_english_joiner():
    assert english_number(21, joiner="-") == "twenty-one"
    assert english_number(1_234, joiner="-") == "one thousand two hundred thirty-four"


@pytest.mark.parametrize("func", [hindi_number, english_number])
@pytest.mark.parametrize("n", [-1, MAX_NUMBER + 1])
def test_out_of_range(func, n):
    with pytest.raises(ValueError):
        func(n)


@given(st.integers(0, MAX_NUMBER))
@settings(max_examples=50)
def test_written_forms_agree(n):
    western, indian = f"{n:,}", _indian_grouping(n)
    hindi = hindi_number(n)
    for text in (str(n), to_devanagari(str(n)), western, indian, to_devanagari(indian)):
        assert normalize(text) == hindi, text
    assert normalize(western, lang="en") == english_number(n)


def _indian_grouping(n):
    s = str(n)
    head, tail = s[:-3], s[-3:]
    groups = []
    while head:
        groups.insert(0, head[-2:])
        head = head[:-2]
    return ",".join(groups + [tail])


@pytest.mark.parametrize("text, words", [
    ("1,25,000", "एक लाख पच्चीस हज़ार"),
    ("125,000", "एक लाख पच्चीस हज़ार"),
    ("१,२५,०००", "एक लाख पच्चीस हज़ार"),
    ("3.5", "तीन दशमलव पाँच"),
    ("0.05", "शून्य दशमलव शून्य पाँच"),
    ("0091", "शून्य शून्य नौ एक"),
    ("9876543210", "नौ आठ सात छह पाँच चार तीन दो एक शून्य"),
    ("12.05.2023", "बारह शून्य पाँच दो हज़ार तेईस"),
    ("1,2345", "एक , दो हज़ार तीन सौ पैंतालीस"),
    ("5वीं", "पाँच वीं"),
])
def test_expand_hindi(text, words):
    assert expand_numbers(text, "hi").split() == nfc(words).split()


@pytest.mark.parametrize("text, words", [
    ("3.14", "three point one four"),
    ("007", "zero zero seven"),
    ("1,000,000", "one million"),
])
def test_expand_english(text, words):
    assert expand_numbers(text, "en").split() == words.split()


def test_scoring_variants_apply_to_number_words():
    assert Normalizer.for_scoring("hi")("1000") == "एक हजार"
    assert Normalizer.for_scoring("hi")("5") == "पांच"
    assert Normalizer.for_scoring("hi")("1,00,00,000") == nfc("एक करोड़")  # ड़ is not a loan nukta
