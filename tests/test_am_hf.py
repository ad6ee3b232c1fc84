"""The Hugging Face CTC backend with a tiny randomly initialised Wav2Vec2ForCTC built here."""

from __future__ import annotations

import json

import numpy as np
import pytest
from lhotse import CutSet

from asrboot.am.load import load_am
from asrboot.io import InputError
from asrboot.speech.synth import SynthConfig, synthesize
from asrboot.speech.utterances import Utterance
from asrboot.tokens import BLANK, WORD_START, write_tokens

VOCAB = {"<pad>": 0, "<s>": 1, "</s>": 2, "<unk>": 3, "|": 4, "क": 5, "ा": 6, "म": 7, "\u095b": 8, "a": 9, "र": 10}


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def hf_dir(tmp_path_factory):
    transformers = pytest.importorskip("transformers")
    path = tmp_path_factory.mktemp("hf")
    (path / "vocab.json").write_text(json.dumps(VOCAB, ensure_ascii=False), encoding="utf-8")
    tokenizer = transformers.Wav2Vec2CTCTokenizer(str(path / "vocab.json"), unk_token="<unk>", pad_token="<pad>",
                                                   word_delimiter_token="|")
    extractor = transformers.Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=16000, padding_value=0.0,
                                                      do_normalize=True, return_attention_mask=False)
    config = transformers.Wav2Vec2Config(
        vocab_size=len(VOCAB), hidden_size=16, num_hidden_layers=1, num_attention_heads=2, intermediate_size=32,
        conv_dim=(8, 8, 8), conv_kernel=(10, 8, 8), conv_stride=(5, 8, 8), num_conv_pos_embeddings=16,
        num_conv_pos_embedding_groups=2, pad_token_id=0,
    )
    transformers.Wav2Vec2ForCTC(config).save_pretrained(str(path))
    tokenizer.save_pretrained(str(path))
    extractor.save_pretrained(str(path))
    return path


@pytest.fixture(scope="module")
def cuts(tmp_path_factory):
    out = tmp_path_factory.mktemp("speech")
    utts = [Utterance("u1", "कमरा"), Utterance("u2", "नमस्ते दुनिया")]
    return synthesize(utts, out, SynthConfig(voices=("hi",)))


def test_posteriors_shape_and_columns(hf_dir, cuts):
    am = load_am(f"hf:{hf_dir}")
    assert am.frame_shift == pytest.approx(320 / 16000)
    # table built from the vocabulary: <blk>, ▁, then its letters and marks (ज़ as its first unit ज)
    assert am.tokens == {BLANK: 0, WORD_START: 1, "a": 2, "क": 3, "ज": 4, "म": 5, "र": 6, "ा": 7}
    for cut, logp in am.log_posteriors(cuts):
        assert logp.dtype == np.float32 and logp.shape[1] == len(am.tokens)
        assert abs(len(logp) - 1 - cut.duration / am.frame_shift) <= 2
        np.testing.assert_allclose(np.exp(logp).sum(axis=1), 1.0, atol=1e-4)
        assert logp[0].argmax() == am.tokens[WORD_START]  # the prepended word-start frame


def test_columns_follow_given_table_and_sum_merged_symbols(hf_dir, cuts, tmp_path):
    table = {BLANK: 0, WORD_START: 1, "ज": 2, "म": 3, "ा": 4, "क": 5, "ि": 6}
    write_tokens(table, tmp_path / "tokens.txt")
    am = load_am(f"hf:{hf_dir}?tokens={tmp_path / 'tokens.txt'}")
    assert am.tokens == table
    hf = load_am(f"hf:{hf_dir}")
    cut = cuts[0]
    inputs = am.extractor(cut.load_audio()[0], sampling_rate=16000, return_tensors="pt")
    probs = am.model(inputs.input_values).logits[0].softmax(-1).detach().numpy()
    mine = np.exp(next(iter(am.log_posteriors(CutSet.from_cuts([cut]))))[1][1:])
    np.testing.assert_allclose(mine[:, table["क"]], probs[:, VOCAB["क"]], atol=1e-5)
    np.testing.assert_allclose(mine[:, table["ज"]], probs[:, VOCAB["\u095b"]], atol=1e-5)  # ज़ -> first unit ज
    np.testing.assert_allclose(mine[:, table[WORD_START]], probs[:, VOCAB["|"]], atol=1e-5)
    blank = probs[:, [VOCAB[s] for s in ("<pad>", "<s>", "</s>", "<unk>", "a", "र")]].sum(1)  # र not in table
    np.testing.assert_allclose(mine[:, 0], blank, atol=1e-5)
    assert np.all(mine[:, table["ि"]] < 1e-30)
    assert hf.frame_shift == am.frame_shift


def test_missing_vocab_is_a_clear_error(hf_dir, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    for f in hf_dir.iterdir():
        if f.name != "vocab.json":
            (broken / f.name).write_bytes(f.read_bytes())
    with pytest.raises(InputError, match="vocab.json"):
        load_am(f"hf:{broken}")
    with pytest.raises(InputError, match="config.json"):
        load_am(f"hf:{tmp_path}")


def test_vocab_size_must_match_output(hf_dir, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    for f in hf_dir.iterdir():
        (bad / f.name).write_bytes(f.read_bytes())
    (bad / "vocab.json").write_text(json.dumps({**VOCAB, "ि": 11}, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InputError, match="vocab.json.*12 vocabulary entries, but the model outputs 11"):
        load_am(f"hf:{bad}")
