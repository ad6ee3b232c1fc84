"""Integers to words in Hindi (Indian grouping) and English, and digit expansion inside text.

Conventions (shared by both languages):

* Supported integers are ``0 <= n <= MAX_NUMBER`` (99,99,99,999 = 999,999,999); the
  word functions raise :class:`ValueError` outside it.
* Powers always carry their count: 100 is ``एक सौ`` / ``one hundred``, 1000 is
  ``एक हज़ार`` / ``one thousand``.  Hindi groups are करोड़ (10^7), लाख (10^5),
  हज़ार (10^3), सौ (10^2), so 1500 is ``एक हज़ार पाँच सौ`` (not पंद्रह सौ).
* English words are separated by spaces; ``and`` is never inserted; the joiner between
  tens and units (``twenty one``) is configurable.
* Hindi words are returned in NFC, i.e. nukta letters decomposed (``ज`` + U+093C), the
  form :class:`asrboot.text.Normalizer` produces.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Callable, Dict, List, Sequence, Tuple

MAX_NUMBER = 999_999_999

_HI_0_99 = tuple(
    unicodedata.normalize("NFC", w)
    for w in """
    शून्य एक दो तीन चार पाँच छह सात आठ नौ
    दस ग्यारह बारह तेरह चौदह पंद्रह सोलह सत्रह अठारह उन्नीस
    बीस इक्कीस बाईस तेईस चौबीस पच्चीस छब्बीस सत्ताईस अट्ठाईस उनतीस
    तीस इकतीस बत्तीस तैंतीस चौंतीस पैंतीस छत्तीस सैंतीस अड़तीस उनतालीस
    चालीस इकतालीस बयालीस तैंतालीस चवालीस पैंतालीस छियालीस सैंतालीस अड़तालीस उनचास
    पचास इक्यावन बावन तिरेपन चौवन पचपन छप्पन सत्तावन अट्ठावन उनसठ
    साठ इकसठ बासठ तिरसठ चौंसठ पैंसठ छियासठ सड़सठ अड़सठ उनहत्तर
    सत्तर इकहत्तर बहत्तर तिहत्तर चौहत्तर पचहत्तर छिहत्तर सतहत्तर अठहत्तर उनासी
    अस्सी इक्यासी बयासी तिरासी चौरासी पचासी छियासी सत्तासी अट्ठासी नवासी
    नब्बे इक्यानवे बानवे तिरानवे चौरानवे पचानवे छियानवे सत्तानवे अट्ठानवे निन्यानवे
    """.split()
)
assert len(_HI_0_99) == 100
_HI_SCALES = tuple(
    (scale, unicodedata.normalize("NFC", word))
    for scale, word in ((10**7, "करोड़"), (10**5, "लाख"), (10**3, "हज़ार"), (100, "सौ"))
)

_EN_0_19 = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
_EN_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_EN_SCALES = ((10**6, "million"), (10**3, "thousand"), (1, ""))

# A chain of dot-separated digit groups (dates, versions: 12.05.2023), or an integer with
# Indian (1,25,000) or Western (125,000) grouping commas and an optional fraction.
_NUMBER = re.compile(
    r"(?P<chain>\d+(?:\.\d+){2,})"
    r"|(?P<int>\d{1,2}(?:,\d\d)+,\d{3}(?!\d)|\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.(?P<frac>\d+))?"
)


def _check(n: int) -> None:
    if not 0 <= n <= MAX_NUMBER:
        raise ValueError(f"number {n} outside the supported range 0..{MAX_NUMBER}")


def hindi_number(n: int) -> str:
    """Hindi words for ``n``: ``hindi_number(125000) == "एक लाख पच्चीस हज़ार"``."""
    _check(n)
    if n < 100:
        return _HI_0_99[n]
    words: List[str] = []
    for scale, name in _HI_SCALES:
        count, n = divmod(n, scale)
        if count:
            words += [_HI_0_99[count], name]
    if n:
        words.append(_HI_0_99[n])
    return " ".join(words)


def _english_below_1000(n: int, joiner: str) -> str:
    hundreds, rest = divmod(n, 100)
    words = [_EN_0_19[hundreds], "hundred"] if hundreds else []
    if rest >= 20:
        tens, units = divmod(rest, 10)
        words.append(_EN_TENS[tens] + (joiner + _EN_0_19[units] if units else ""))
    elif rest:
        words.append(_EN_0_19[rest])
    return " ".join(words)


def english_number(n: int, joiner: str = " ") -> str:
    """English words for ``n``: ``english_number(1005) == "one thousand five"``.

    ``joiner`` goes between tens and units: ``" "`` gives ``twenty one``, ``"-"`` gives
    ``twenty-one``.
    """
    _check(n)
    if n == 0:
        return "zero"
    words: List[str] = []
    for scale, name in _EN_SCALES:
        count, n = divmod(n, scale)
        if count:
            words.append(_english_below_1000(count, joiner))
            if name:
                words.append(name)
    return " ".join(words)


_LANGS: Dict[str, Tuple[Callable[[int], str], Sequence[str], str]] = {
    "hi": (hindi_number, _HI_0_99[:10], "दशमलव"),
    "en": (english_number, _EN_0_19[:10], "point"),
}


def expand_numbers(text: str, lang: str) -> str:
    """Replace every digit string in ``text`` by words, padded with spaces.

    Any Unicode decimal digit counts (ASCII, Devanagari ०-९, ...).  A number with
    grouping commas is one number.  Digit strings with a leading zero (``0091``) or
    above :data:`MAX_NUMBER` (phone numbers, ids) are read digit by digit; a fraction
    is read as ``दशमलव`` / ``point`` followed by its digits one by one (``3.05`` ->
    ``तीन दशमलव शून्य पाँच``); in a chain of three or more dot-separated groups
    (``12.05.2023``) each group is read as an integer and the dots are dropped.
    """
    number, digit_words, point = _LANGS[lang]

    def spell(digits: str) -> List[str]:
        return [digit_words[unicodedata.decimal(d)] for d in digits]

    def integer(digits: str) -> List[str]:
        digits = "".join(str(unicodedata.decimal(d)) for d in digits if d != ",")
        if (len(digits) > 1 and digits[0] == "0") or int(digits) > MAX_NUMBER:
            return spell(digits)
        return [number(int(digits))]

    def words(match: re.Match) -> str:
        if match.group("chain"):
            out = [w for group in match.group("chain").split(".") for w in integer(group)]
        else:
            out = integer(match.group("int"))
            if match.group("frac"):
                out += [point, *spell(match.group("frac"))]
        return " " + " ".join(out) + " "

    return _NUMBER.sub(words, text)
