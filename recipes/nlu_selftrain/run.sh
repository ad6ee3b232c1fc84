#!/usr/bin/env bash
# NLU self-training for new intents, with relevance filtering and diversity selection
# (Cho et al., ASRU 2019: "Efficient semi-supervised learning for natural language
# understanding by optimizing diversity"), on HWU64 + SLURP + CLINC150/SNIPS/BANKING77.
#
#   ./run.sh                      # all stages on ../shared/data (about 45 min on 2 busy cores with --nj 1)
#   ./run.sh --demo               # the hand-written toy corpus in demo/ (1-2 min)
#   ./run.sh --stage 3 --stop-stage 5 --nj 1
#
# Options: --stage N, --stop-stage N, --demo, --data-root DIR (default ../shared/data of the checkout),
#          --config FILE (default conf/nlu.yaml; conf/demo.yaml with --demo),
#          --nj N (torch/BLAS threads, default 1: on 2 busy shared cores 1 thread was ~3x faster than 2).
# Outputs: data/full, exp/ (data/demo, exp/demo with --demo). A stage whose output exists is skipped.
# Stages (each one `asrboot nlu <command>` call):
#   0  prepare           read + validate + normalize the corpora; dev/test/pool manifests, K-shot splits
#   1  encode            cache the frozen MiniLM layers' outputs (labelled, dev, test; pool texts on demand)
#   2  paraphrase        template pairs from labelled data; train the paraphrase detector
#   3  selftrain-minilm  MiniLM joint model: supervised + 4 self-training strategies, every K and seed
#   4  selftrain-linear  the same with the linear (scikit-learn) baseline
#   5  report            exp/report.md, exp/results.csv, exp/learning_curves_*.png
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$here"

stage=0
stop_stage=100
demo=false
data_root=""
config=""
nj=1
. "$root/local/recipe.sh"

if $demo; then
  : "${data_root:=$here/demo}"
  : "${config:=$here/conf/demo.yaml}"
  data=data/demo
  exp=exp/demo
else
  : "${data_root:=$root/../shared/data}"
  : "${config:=$here/conf/nlu.yaml}"
  data=data/full
  exp=exp
fi
[ -d "$data_root" ] || { echo "run.sh: data root $data_root not found (use --data-root)" >&2; exit 1; }

export ASRBOOT_THREADS=$nj OMP_NUM_THREADS=$nj MKL_NUM_THREADS=$nj TOKENIZERS_PARALLELISM=false

mkdir -p "$exp"
timing=$exp/timing.tsv

run_stage 0 prepare "$data/stats.json" \
  asrboot nlu prepare --config "$config" --data-root "$data_root" -o "$data"

run_stage 1 encode "$exp/features/minilm.npz" \
  asrboot nlu encode --config "$config" --data "$data" -o "$exp/features/minilm.npz"

run_stage 2 paraphrase "$exp/paraphrase/detector.pt" \
  asrboot nlu paraphrase --config "$config" --data "$data" -o "$exp/paraphrase"

# selftrain keeps finished runs (exp/runs/<model>/k<K>/seed<S>.json), so an interrupted stage resumes
selftrain() {  # selftrain MODEL [OPTIONS]
  asrboot nlu selftrain --config "$config" --data "$data" --model "$1" --paraphrase "$exp/paraphrase" \
    -o "$exp/runs" "${@:2}"
  touch "$exp/runs/$1/.done"
}
run_stage 3 selftrain-minilm "$exp/runs/minilm/.done" selftrain minilm --features "$exp/features/minilm.npz"
run_stage 4 selftrain-linear "$exp/runs/linear/.done" selftrain linear

run_stage 5 report "$exp/report.md" \
  asrboot nlu report --config "$config" --data "$data" --runs "$exp/runs" --paraphrase "$exp/paraphrase" \
    --timing "$timing" -o "$exp"

log done "results: $here/$exp/report.md"
