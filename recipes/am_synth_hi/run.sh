#!/usr/bin/env bash
# Built-in Hindi grapheme CTC acoustic model, trained on espeak-ng speech of general Hindi text.
#
#   ./run.sh [--stage N] [--stop-stage M] [--data-dir DIR] [--train-minutes MIN] [--num-train N]
#
# Stages (a stage whose outputs exist is skipped; delete them to redo it):
#   0 text prep: general Hindi (Common Voice prompts, HiNER, discourse) + pseudo-words, no slurp_hi
#   1 synth: training/validation speech with the training voices (`asrboot synth`)
#   2 eval sets: slurp_hi dev with the held-out eval voices, conditions clean/snr20/snr10/snr5;
#     the real broadcast set hindi_speech_corpus_yadavally (`asrboot data import-yadavally`)
#   3 features: fbank (train: speed perturbation + noise at 5-30 dB SNR)
#   4 train (resumable: rerunning continues from the latest checkpoint in exp/)
#   5 export to $model_dir (TorchScript + tokens.txt + features.json)
#   6 eval: greedy CER/WER per condition (and on the real broadcast set when imported)
#   7 model card
set -euo pipefail
cd "$(dirname "$0")"
# OpenMP threads that spin while waiting make torch many times slower on a shared, busy CPU.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
[ -x ../../.venv/bin/python ] && export PATH="$(cd ../.. && pwd)/.venv/bin:$PATH"

stage=0
stop_stage=7
data_dir=../../../shared/data
train_minutes=90
num_train=7000
seed=0
model_dir=../../asrboot/models/hindi_grapheme_ctc

while [ $# -gt 0 ]; do
  case "$1" in
    --stage) stage=$2; shift 2 ;;
    --stop-stage) stop_stage=$2; shift 2 ;;
    --data-dir) data_dir=$2; shift 2 ;;
    --train-minutes) train_minutes=$2; shift 2 ;;
    --num-train) num_train=$2; shift 2 ;;
    --model-dir) model_dir=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 1 ;;
  esac
done

am() {  # `asrboot am` once the group is registered, the module otherwise
  if asrboot am --help >/dev/null 2>&1; then asrboot am "$@"; else python -m asrboot.cli.am "$@"; fi
}
log() { echo "$(date -u +%H:%M:%S) [stage $1] $2"; }
run() { [ "$stage" -le "$1" ] && [ "$stop_stage" -ge "$1" ]; }
mkdir -p data exp

if run 0 && [ ! -f data/text/tokens.txt ]; then
  log 0 "text prep"
  am prep-text --data-dir "$data_dir" --out-dir data/text --num-train "$num_train" --seed $seed
fi

if run 1; then
  for part in train valid; do
    [ -f data/synth_$part/cuts_clean.jsonl.gz ] && continue
    log 1 "synthesizing $part"
    asrboot synth data/text/$part.txt data/synth_$part --voices train --speed 130:200 --seed $seed --jobs 2
  done
fi

if run 2; then
  [ -f data/synth_dev/cuts_snr5.jsonl.gz ] || { log 2 "synthesizing slurp_hi dev with eval voices";
    asrboot synth "$data_dir/slurp_hi/dev.tsv" data/synth_dev --column hi --id-column id --voices eval \
      --speed 130:200 --conditions clean,snr20,snr10,snr5 --seed $((seed + 1)) --jobs 2; }
  [ -f data/real/cuts.jsonl.gz ] || { log 2 "importing the real broadcast set";
    asrboot data import-yadavally "$data_dir/hindi_speech_corpus_yadavally" data/real; }
fi

if run 3; then
  [ -f data/fbank_train/cuts.jsonl.gz ] || { log 3 "features (train)";
    am features --cuts data/synth_train/cuts_clean.jsonl.gz --out-dir data/fbank_train --augment --seed $seed; }
  [ -f data/fbank_valid/cuts.jsonl.gz ] || { log 3 "features (valid)";
    am features --cuts data/synth_valid/cuts_clean.jsonl.gz --out-dir data/fbank_valid; }
fi

if run 4; then
  log 4 "training for up to $train_minutes min (log: exp/train.log)"
  am train --train-cuts data/fbank_train/cuts.jsonl.gz --valid-cuts data/fbank_valid/cuts.jsonl.gz \
    --tokens data/text/tokens.txt --exp-dir exp --max-minutes "$train_minutes" --resume --seed $seed \
    2>&1 | tee -a exp/train.log
fi

if run 5; then
  log 5 "export to $model_dir"
  am export --exp-dir exp --out "$model_dir"
fi

if run 6; then
  rm -f exp/results.jsonl
  for set in dev_clean dev_snr20 dev_snr10 dev_snr5 real; do
    case $set in
      dev_*) cuts=data/synth_dev/cuts_${set#dev_}.jsonl.gz; name="slurp_hi dev, eval voices, ${set#dev_}" ;;
      real) cuts=data/real/cuts.jsonl.gz; name="hindi_speech_corpus_yadavally (real broadcast)" ;;
    esac
    log 6 "posteriors + greedy: $name"
    am posteriors --am "builtin:$model_dir" --cuts $cuts --out exp/post_$set
    am greedy --posteriors exp/post_$set --name "$name" --out exp/post_$set/hyps.txt >> exp/results.jsonl
  done
fi

if run 7; then
  log 7 "model card"
  am card --model-dir "$model_dir" --results exp/results.jsonl
fi
