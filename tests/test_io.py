"""The shared JSON-lines reader: objects with their line numbers, bad lines named by file and line."""

import pytest

from asrboot.io import InputError, read_jsonl


def test_read_jsonl_yields_objects_with_line_numbers(tmp_path):
    path = tmp_path / "a.jsonl"
    path.write_text('{"id": 1}\n\n{"id": "दो"}\n', encoding="utf-8")
    assert list(read_jsonl(path)) == [(1, {"id": 1}), (3, {"id": "दो"})]


@pytest.mark.parametrize("line, message", [("{oops", "not valid JSON"), ("[1, 2]", "expected a JSON object")])
def test_read_jsonl_names_the_bad_line(tmp_path, line, message):
    path = tmp_path / "b.jsonl"
    path.write_text('{"ok": true}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=rf"b\.jsonl:2: {message}"):
        list(read_jsonl(path))
