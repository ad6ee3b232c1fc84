"""asrboot.nlu.data: [slot : value] annotations, BIO tags, corpus readers and their errors."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asrboot.io import InputError
from asrboot.nlu.data import (AnnotationError, Utterance, bio_from_spans, delexicalize, english_normalizer,
                              parse_annotation, read_hwu_csv, read_hwu_dir, read_manifest, read_seq_in,
                              read_slurp_jsonl, read_text_lines, spans_from_bio, to_annotation, write_manifest)

HEADER = "answerid;scenario;intent;answer_annotation;answer_from_anno;answer_from_user"


def test_parse_annotation_tokens_and_bio():
    tokens, tags = parse_annotation("wake me up at [time : five am] [date : tomorrow] please")
    assert tokens == ["wake", "me", "up", "at", "five", "am", "tomorrow", "please"]
    assert tags == ["O", "O", "O", "O", "B-time", "I-time", "B-date", "O"]
    assert spans_from_bio(tags) == [("time", 4, 6), ("date", 6, 7)]


def test_parse_annotation_normalizes_text_and_values_separately():
    tokens, tags = parse_annotation("Set an alarm for [time : 9 AM], OK?", english_normalizer())
    assert tokens == ["set", "an", "alarm", "for", "nine", "am", "ok"]
    assert tags == ["O", "O", "O", "O", "B-time", "I-time", "O"]
    # a colon inside the value belongs to the value
    assert parse_annotation("at [time : 9:30]")[0] == ["at", "9:30"]


@pytest.mark.parametrize("bad, why", [
    ("play [artist : [band : abba]]", "nested"),
    ("play [artist : abba", "never closed"),
    ("play artist : abba]", "without a matching"),
    ("play [artist abba]", "no ':'"),
    ("play [ : abba]", "empty slot type"),
    ("play [artist : ]", "empty value"),
    ("play [artist name : abba]", "not a single identifier"),
])
def test_malformed_annotations(bad, why):
    with pytest.raises(AnnotationError, match=why):
        parse_annotation(bad)


def test_value_empty_after_normalization():
    with pytest.raises(AnnotationError, match="empty after normalization"):
        parse_annotation("play [artist : ?!]", english_normalizer())


def test_to_annotation_and_delexicalize():
    tokens = ["play", "abba", "in", "the", "living", "room"]
    tags = ["O", "B-artist_name", "O", "O", "B-house_place", "I-house_place"]
    assert to_annotation(tokens, tags) == "play [artist_name : abba] in the [house_place : living room]"
    assert delexicalize(tokens, tags) == "play [artist_name] in the [house_place]"


def test_spans_from_bio_lenient_and_bio_from_spans():
    # an I- that does not continue its type starts a new span (CoNLL convention)
    assert spans_from_bio(["I-a", "I-a", "B-a", "I-b", "O"]) == [("a", 0, 2), ("a", 2, 3), ("b", 3, 4)]
    assert bio_from_spans(4, [("x", 1, 3)]) == ["O", "B-x", "I-x", "O"]
    with pytest.raises(ValueError):
        bio_from_spans(3, [("x", 0, 2), ("y", 1, 3)])
    with pytest.raises(ValueError):
        spans_from_bio(["X-a"])


words = st.sampled_from(["set", "an", "alarm", "for", "six", "am", "play", "abba", "it's", "radio", "one"])
slot_types = st.sampled_from(["time", "date", "artist_name", "radio_name"])


@st.composite
def bio_sequences(draw):
    n = draw(st.integers(0, 12))
    tokens = [draw(words) for _ in range(n)]
    tags, i = [], 0
    while i < n:
        if draw(st.booleans()):
            t = draw(slot_types)
            length = draw(st.integers(1, n - i))
            tags += [f"B-{t}"] + [f"I-{t}"] * (length - 1)
            i += length
        else:
            tags.append("O")
            i += 1
    return tokens, tags


@settings(max_examples=200, deadline=None)
@given(bio_sequences())
def test_bio_round_trip(seq):
    tokens, tags = seq
    assert parse_annotation(to_annotation(tokens, tags)) == (tokens, tags)
    assert bio_from_spans(len(tags), spans_from_bio(tags)) == tags


def _csv(tmp_path, rows, name="alarm_set.csv"):
    path = tmp_path / name
    path.write_text(HEADER + "\n" + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_read_hwu_csv(tmp_path):
    path = _csv(tmp_path, ['1;alarm;set;"wake me at [time : 6 am]";"x";"y"',
                           '2;alarm;set;"Set an alarm; please";"x";"y"'])
    utts = read_hwu_csv(path, english_normalizer())
    assert [u.intent for u in utts] == ["alarm_set", "alarm_set"]
    assert utts[0].tokens == ["wake", "me", "at", "six", "am"] and utts[0].spans == [("time", 3, 5)]
    assert utts[1].text == "set an alarm please" and utts[0].uid == "hwu-1"


def test_hwu_malformed_slot_names_file_and_line(tmp_path):
    path = _csv(tmp_path, ['1;alarm;set;"wake me at [time : six am]";"x";"y"',
                           '2;alarm;set;"wake me at [time : [date : six]]";"x";"y"'])
    with pytest.raises(InputError) as e:
        read_hwu_csv(path)
    assert str(e.value).startswith(f"{path}:3: malformed slot annotation")
    assert "nested" in str(e.value) and e.value.line == 3


def test_hwu_missing_intent_label(tmp_path):
    path = _csv(tmp_path, ['1;alarm;set;"wake me at six";"x";"y"', '2;alarm;;"wake me at seven";"x";"y"'])
    with pytest.raises(InputError, match=r":3: utterance without intent label"):
        read_hwu_csv(path)


def test_hwu_line_numbers_count_multiline_fields(tmp_path):
    path = _csv(tmp_path, ['1;alarm;set;"wake me\nat six";"x";"y"', '2;alarm;set;"wake [time : six";"x";"y"'])
    with pytest.raises(InputError, match=r"alarm_set.csv:4: .*never closed"):
        read_hwu_csv(path)


def test_hwu_bad_header_and_empty_dir(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id;text\n1;hello\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"x.csv:1: header lacks column"):
        read_hwu_csv(path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no \\*.csv"):
        read_hwu_dir(tmp_path / "empty")


def test_read_slurp_jsonl_and_errors(write_lines):
    good = {"slurp_id": 7, "sentence_annotation": "play [radio_name : jazz fm]", "intent": "play_radio"}
    path = write_lines("devel.jsonl", [json.dumps(good)])
    (u,) = read_slurp_jsonl(path)
    assert (u.uid, u.intent, u.annotation) == ("slurp-7", "play_radio", "play [radio_name : jazz fm]")
    no_intent = write_lines("a.jsonl", [json.dumps(good), json.dumps({"sentence_annotation": "hello"})])
    with pytest.raises(InputError, match=r"a.jsonl:2: utterance without intent label"):
        read_slurp_jsonl(no_intent)
    bad_slot = write_lines("b.jsonl", ["", json.dumps(dict(good, sentence_annotation="play [radio_name jazz]"))])
    with pytest.raises(InputError, match=r"b.jsonl:2: malformed slot annotation .*no ':'"):
        read_slurp_jsonl(bad_slot)
    not_json = write_lines("c.jsonl", ["{oops"])
    with pytest.raises(InputError, match=r"c.jsonl:1: not valid JSON"):
        read_slurp_jsonl(not_json)


def test_text_lines_and_seq_in(tmp_path, write_lines):
    path = write_lines("lm.txt", ["Wake me up!", "", "?!", "play radio"])
    assert [(u.uid, u.text) for u in read_text_lines(path, english_normalizer(), "lm")] == [
        ("lm-1", "wake me up"), ("lm-4", "play radio")]
    d = tmp_path / "train"
    d.mkdir()
    (d / "seq.in").write_text("what is my balance\nlost my card\n", encoding="utf-8")
    (d / "label").write_text("balance\nlost_card\n", encoding="utf-8")
    utts = read_seq_in(d)
    assert [u.oracle_intent for u in utts] == ["balance", "lost_card"] and not utts[0].labelled
    (d / "label").write_text("balance\n", encoding="utf-8")
    with pytest.raises(InputError, match="1 labels for 2 utterances"):
        read_seq_in(d)
    (d / "label").write_text("balance\n\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"label:2: utterance without intent label"):
        read_seq_in(d)


def test_manifest_round_trip_and_errors(tmp_path, write_lines):
    utts = [Utterance("a", ["play", "jazz", "fm"], "play_radio", ["O", "B-radio_name", "I-radio_name"], "hwu"),
            Utterance("b", ["hello"], source="lm", oracle_intent="general_greet")]
    path = tmp_path / "m.jsonl"
    assert write_manifest(path, utts) == 2
    back = read_manifest(path)
    assert back == utts
    assert back[1].hidden().intent is None and utts[0].hidden().oracle_intent == "play_radio"
    bad = write_lines("bad.jsonl", [json.dumps({"id": "x", "text": "play jazz", "intent": "play_radio",
                                                "annotation": "play [radio_name : jazz"})])
    with pytest.raises(InputError, match=r"bad.jsonl:1: malformed slot annotation"):
        read_manifest(bad)
    no_label = write_lines("nolabel.jsonl", [json.dumps({"id": "x", "text": "play jazz", "annotation": "play jazz"})])
    with pytest.raises(InputError, match=r"nolabel.jsonl:1: utterance without intent label"):
        read_manifest(no_label)
