import dataclasses
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asrboot.io import InputError
from asrboot.text import Normalizer, normalize, normalize_file

LM, SCORING = Normalizer.for_lm("hi"), Normalizer.for_scoring("hi")
NORMALIZERS = [
    LM,
    SCORING,
    Normalizer(lang="hi", latin="drop"),
    Normalizer(lang="hi", numbers=False),
    Normalizer.for_lm("en"),
    Normalizer.for_scoring("en"),
]
PRECOMPOSED_NUKTA = [chr(cp) for cp in range(0x0958, 0x0960)]  # क़ ख़ ग़ ज़ ड़ ढ़ फ़ य़
DEVANAGARI_MIX = (
    "".join(chr(cp) for cp in range(0x0900, 0x0980))
    + "0123456789,.,. '’-\"!?₹%\u200c\u200d\u200b\ufeff\u00ad\t\nabcXYZ"
)


def nfc(s):
    return unicodedata.normalize("NFC", s)


def test_danda_and_punctuation_become_spaces():
    assert LM("राम। श्याम॥ \"नमस्ते\"—दुनिया! (ठीक) ₹ %") == "राम श्याम नमस्ते दुनिया ठीक"


def test_marks_kept():
    for word in ["हिंदी", "आँख", "क्या", "पढ़ाई", "ज़िंदगी"]:
        assert LM(word) == nfc(word)


def test_zero_width_and_format_chars_removed():
    assert LM("क्\u200dष") == "क्ष"
    assert LM("अ\u200cब") == "अब"
    assert LM("\ufeffनमस्ते\u200bदुनिया\u00ad") == "नमस्तेदुनिया"


@pytest.mark.parametrize("normalizer", [LM, SCORING])
@pytest.mark.parametrize("letter", PRECOMPOSED_NUKTA)
def test_precomposed_and_decomposed_nukta_identical(normalizer, letter):
    decomposed = unicodedata.decomposition(letter).split()
    decomposed = "".join(chr(int(cp, 16)) for cp in decomposed)
    assert decomposed[1] == "\u093c"
    assert normalizer(letter + "ा") == normalizer(decomposed + "ा")
    assert LM(letter) == decomposed  # canonical form: letter + U+093C


@pytest.mark.parametrize("variant, plain", [
    ("ज़रूर", "जरूर"), ("फ़ोन", "फोन"), ("क़िला", "किला"), ("ख़ुश", "खुश"), ("ग़लत", "गलत"),
    ("आँख", "आंख"), ("हूँ", "हूं"),
])
def test_variant_mapping(variant, plain):
    assert LM(variant) != LM(plain)
    assert SCORING(variant) == SCORING(plain) == nfc(plain)


def test_retroflex_nukta_kept_when_scoring():
    assert SCORING("पढ़ाई") != SCORING("पढाई")
    assert SCORING("लड़का") == nfc("लड़का")


def test_latin_keep_and_drop():
    text = "मैं Office जा रहा हूँ, OK?"
    assert normalize(text) == nfc("मैं office जा रहा हूँ ok")
    assert normalize(text, latin="drop") == nfc("मैं जा रहा हूँ")
    assert normalize("मेरा email-id Café है", latin="drop") == "मेरा है"
    assert normalize("मेरा email-id Café है") == "मेरा email id café है"


def test_mixed_script_numbers_and_punctuation():
    assert LM("कल ₹45 दिए, 1,25,000 बाकी।") == "कल पैंतालीस दिए एक लाख पच्चीस हज़ार बाकी"
    assert LM("COVID-19 टीका") == "covid उन्नीस टीका"


def test_numbers_off_gives_ascii_digits():
    assert normalize("१२, 3.5", numbers=False) == "12 3 5"


@pytest.mark.parametrize("text, out", [
    ("Don't say 'quoted' at O'Clock!", "don't say quoted at o'clock"),
    ("It’s rock’n’roll", "it's rock'n'roll"),
    ("the students' books '' x", "the students books x"),
    ("I have 21 cats, 1,000,000 dogs.", "i have twenty one cats one million dogs"),
    ("Hello,   WORLD\t\n", "hello world"),
])
def test_english(text, out):
    assert normalize(text, lang="en") == out


def test_options_validated_and_frozen():
    for bad in [dict(lang="fr"), dict(latin="remove"), dict(lang="en", latin="drop")]:
        with pytest.raises(ValueError):
            Normalizer(**bad)
    with pytest.raises(dataclasses.FrozenInstanceError):
        LM.variants = True
    assert Normalizer.for_scoring("hi", latin="drop") == Normalizer("hi", True, "drop", True)


def check_well_formed(out):
    assert out == out.strip()
    assert "  " not in out
    assert all(out.split(" ")) or out == ""
    assert not any(c.isspace() and c != " " for c in out)


@pytest.mark.parametrize("normalizer", NORMALIZERS)
@given(text=st.text())
@settings(max_examples=150, deadline=None)
def test_any_text(normalizer, text):
    out = normalizer(text)
    check_well_formed(out)
    assert normalizer(out) == out


@pytest.mark.parametrize("normalizer", NORMALIZERS)
@given(text=st.text(alphabet=DEVANAGARI_MIX, max_size=60))
@settings(max_examples=200, deadline=None)
def test_devanagari_digits_punctuation(normalizer, text):
    out = normalizer(text)
    check_well_formed(out)
    assert normalizer(out) == out
    if normalizer.numbers:
        assert not any(c.isdigit() for c in out)


@given(text=st.text(alphabet=DEVANAGARI_MIX, max_size=60))
@settings(max_examples=200, deadline=None)
def test_nukta_form_and_variants_commute(text):
    decomposed = "".join(unicodedata.normalize("NFD", c) if c in PRECOMPOSED_NUKTA else c for c in text)
    assert LM(text) == LM(decomposed)
    assert SCORING(text) == SCORING(LM(text))


def test_normalize_file_keeps_alignment(tmp_path):
    src, dst = tmp_path / "in.txt", tmp_path / "out.txt"
    src.write_text("नमस्ते।\n\n!!!\nहै 5\n", encoding="utf-8")
    stats = normalize_file(src, dst, LM)
    assert dst.read_text(encoding="utf-8") == "नमस्ते\n\n\nहै पाँच\n"
    assert stats == {"read": 4, "skipped": 0, "empty": 2, "written": 4}


def _bad_file(path):
    path.write_bytes("एक\nदो\n".encode() + b"\xff\xfe bad\n" + "चार\n".encode() + b"last \xc3\n")


def test_normalize_file_strict_rejects_non_utf8(tmp_path):
    src, dst = tmp_path / "corpus.txt", tmp_path / "out.txt"
    _bad_file(src)
    with pytest.raises(InputError) as err:
        normalize_file(src, dst, LM)
    assert "corpus.txt:3" in str(err.value)
    assert list(tmp_path.iterdir()) == [src]  # no output, no temporary file left


def test_normalize_file_skip(tmp_path):
    src, dst = tmp_path / "corpus.txt", tmp_path / "out.txt"
    _bad_file(src)
    stats = normalize_file(src, dst, LM, errors="skip")
    assert stats == {"read": 3, "skipped": 2, "empty": 0, "written": 5}
    assert dst.read_text(encoding="utf-8").split("\n") == ["एक", "दो", "", "चार", "", ""]
