#!/usr/bin/env bash
# LM bootstrapping with machine translation for Hindi voice-assistant ASR
# (Gandhe et al., Alexa, ASRU 2019): translate in-domain English into Hindi with an NMT model trained on a
# selected general EN-HI pool, self-train it, rescore its N-best with the in-domain LM, filter with the
# in-domain LM, and compare the resulting 3-gram LMs (each EM-interpolated with the in-domain LM on dev)
# by perplexity and by WER of a CTC acoustic model with k2 HLG decoding.
#
#   ./run.sh --demo               # the hand-written demo corpus in demo/ (a few minutes; CI runs it)
#   ./run.sh                      # all stages on ../shared/data of the checkout
#   ./run.sh --am hf:...          # decode with any AM spec of `asrboot am` (default: builtin)
#   ./run.sh --stage 9 --stop-stage 11
#
# Options: --stage N, --stop-stage N, --demo, --data-root DIR (shared/data; default ../shared/data of the checkout,
#          demo/ with --demo), --slurp-dir DIR (default DATA_ROOT/slurp_hi), --general-hi FILE (raw general Hindi
#          text; default: the general Hindi sets of DATA_ROOT, asrboot/corpora/readers.py; demo/general_hi.txt with
#          --demo), --am SPEC (default builtin), --decode=false (LM side only; default: decode),
#          --nj N (torch/BLAS threads, default 2).
# Outputs: data/full, exp/full (data/demo, exp/demo with --demo). A stage whose output exists is skipped.
# Decoding: with --am builtin and no asrboot/models/hindi_grapheme_ctc/model.pt (or --am builtin:DIR without
#          DIR/model.pt), the run stops before stage 28 with status 3 and says so, AFTER the LM-side report
#          (perplexity/OOV, BLEU/chrF, sweep; stage 27) is written;
#          pass --am SPEC (builtin:DIR, hf:DIR, torchscript:PATH; see asrboot/am/load.py) to decode with another AM,
#          or --decode=false to stop after the LM-side report with status 0.
# Stages (each one `asrboot ...` call; `bootstrap` = `asrboot bootstrap ...`, the glue in asrboot/bootstrap):
#   0-2   norm-*             in-domain train Hindi (only), dev, test                     -> data/*.txt
#   3     general-text       general Hindi, normalized, without dev/test sentences       -> data/general_hi.txt
#   4     pool               leakage-free EN-HI pool: train / dev (NMT early stopping) / held-out (BLEU) -> data/pool
#   5     lm-indomain        in-domain 3-gram, the baseline LM                           -> exp/lm/indomain.arpa
#   6-7   select-*           centroid / Moore-Lewis selection of pool pairs (top-k tuned on dev ppl) -> exp/select
#   8     mt-init            joint sentencepiece vocabulary + fresh MarianMT              -> exp/mt/init
#   9-11  mt-train-*         NMT on the raw pool / centroid selection / Moore-Lewis selection -> exp/mt/{raw,centroid,moore_lewis}
#   12    mt-self-train      self-training of the centroid NMT on its confident translations of en_pool -> exp/mt/selftrain
#   13-16 translate-*        N-best translations of en_pool by each NMT                  -> exp/translate/*.nbest.jsonl
#   17    mt-eval            BLEU/chrF of every NMT on the held-out pool slice            -> exp/mt/eval.json
#   18-21 onebest-*          NMT 1-best Hindi text of each N-best                          -> exp/texts/*.txt
#   22    rescore            self-trained N-best rescored with the in-domain LM (weights tuned on dev) -> texts/rescored.txt
#   23    lm-filter          self-trained 1-best, LM filter (threshold tuned on dev)       -> texts/filtered.txt
#   24    combined           rescored + LM filter (all combined)                          -> texts/combined.txt
#   25    lm-variants        per variant: 3-gram on its text(s), EM-interpolated with the in-domain LM on dev -> exp/lm/variants
#   26    sweep              in-domain size sweep (baseline vs combined; fixed seeds)     -> exp/sweep/sweep.csv
#   27    lm-report          exp/report.md, results.csv, ppl.png (ppl/OOV, BLEU/chrF, sweep, timing)
#   28-29 synth-dev/test     dev/test audio, held-out eval voices                         -> data/audio/{dev,test}
#   30    compare-lms        lang + HLG per variant, LM scale tuned on dev, test WER/CI/p  -> exp/decode/results.*
#   31    compare-sweep      size sweep by WER: baseline vs combined per size (first seed) -> exp/sweep/decode_n*
#   32    report             the report again, with the WER columns                       -> exp/report.md, wer.png
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$here"

stage=0
stop_stage=100
demo=false
data_root=""
slurp_dir=""
general_hi=""
am=builtin
decode=true
nj=2
. "$root/local/recipe.sh"

if $demo; then
  : "${data_root:=$here/demo}"
  : "${general_hi:=$data_root/general_hi.txt}"
  data=data/demo; exp=exp/demo
  pool_opts=(--line-parallel "$data_root/general_parallel/general.en" "$data_root/general_parallel/general.hi"
             --dev-size 50 --heldout-size 50)
  mt_model=(--vocab-size 600 --d-model 128 --layers 1 --heads 4 --ffn-dim 256)
  mt_train=(--max-steps 150 --eval-every 50 --warmup 20 --lr 0.005 --bleu-sentences 0 --max-tokens 1024)
  st_train=(--max-steps 40 --eval-every 20 --warmup 5 --lr 0.002 --bleu-sentences 0 --max-tokens 1024)
  select_fractions=0.1,0.3,0.5
  beam=2; nbest=2
  sweep_sizes=200,100,50; sweep_seeds=1,2
  compare_opts=(--lm-scales 0.5,0.9,1.3 --bootstrap 200)
else
  : "${data_root:=$root/../shared/data}"
  data=data/full; exp=exp/full
  pool_opts=(--data-dir "$data_root")
  # The same fixed budget for every NMT (600 updates, ~10 min on 2 cores): 4.8M parameters, pairs up to 32
  # subword tokens (the in-domain utterances are short; longer pool sentences cost most of the compute).
  mt_model=(--vocab-size 4000 --layers 2)
  mt_train=(--max-steps 600 --max-len 32 --max-tokens 2048 --lr 0.002 --warmup 200 --eval-every 150
            --bleu-sentences 0)
  st_train=(--max-steps 250 --max-len 32 --max-tokens 2048 --lr 0.0005 --warmup 50 --eval-every 125
            --bleu-sentences 0)
  select_fractions=0.1,0.2,0.3,0.5  # at most half: 100% is the raw variant
  beam=4; nbest=4
  sweep_sizes=1500,375,150; sweep_seeds=1,2,3
  compare_opts=()
fi
: "${slurp_dir:=$data_root/slurp_hi}"
if [ -n "$general_hi" ]; then general_src=(--text "$general_hi"); else general_src=(--data-dir "$data_root"); fi
for f in "$slurp_dir/indomain_train.tsv" "$slurp_dir/dev.tsv" "$slurp_dir/test.tsv" "$slurp_dir/en_pool.txt" \
         ${general_hi:+"$general_hi"}; do
  [ -e "$f" ] || { echo "run.sh: $f not found (use --data-root, --slurp-dir, --general-hi)" >&2; exit 1; }
done

export ASRBOOT_THREADS=$nj OMP_NUM_THREADS=$nj MKL_NUM_THREADS=$nj TOKENIZERS_PARALLELISM=false
bootstrap() { asrboot bootstrap "$@"; }

mkdir -p "$data" "$exp"
timing=$exp/timing.tsv

# --- data prep: in-domain train (Hindi only), dev and test text, general Hindi (never dev/test in training)
run_stage 0 norm-train "$data/train.txt" asrboot text normalize "$slurp_dir/indomain_train.tsv" "$data/train.txt" --column hi
run_stage 1 norm-dev "$data/dev.txt" asrboot text normalize "$slurp_dir/dev.tsv" "$data/dev.txt" --column hi
run_stage 2 norm-test "$data/test.txt" asrboot text normalize "$slurp_dir/test.tsv" "$data/test.txt" --column hi
run_stage 3 general-text "$data/general_hi.txt" \
  bootstrap general-text "${general_src[@]}" --exclude "$data/dev.txt" --exclude "$data/test.txt" -o "$data/general_hi.txt"
run_stage 4 pool "$data/pool/report.json" \
  asrboot mt pool --slurp-dir "$slurp_dir" "${pool_opts[@]}" -o "$data/pool"
run_stage 5 lm-indomain "$exp/lm/indomain.arpa" asrboot lm train "$data/train.txt" -o "$exp/lm/indomain.arpa" --order 3

# --- selection of pool pairs close to the in-domain Hindi
run_stage 6 select-centroid "$exp/select/centroid.tsv" \
  asrboot select pairs --pool "$data/pool/train.tsv" --slurp-dir "$slurp_dir" --method centroid --tune --fractions "$select_fractions" \
    -o "$exp/select/centroid.tsv" --scores "$exp/select/centroid.scores"
run_stage 7 select-ml "$exp/select/moore_lewis.tsv" \
  asrboot select pairs --pool "$data/pool/train.tsv" --slurp-dir "$slurp_dir" --method moore-lewis --tune --fractions "$select_fractions" \
    -o "$exp/select/moore_lewis.tsv" --scores "$exp/select/moore_lewis.scores"

# --- NMT: raw pool, centroid selection, Moore-Lewis selection; self-training of the centroid model
run_stage 8 mt-init "$exp/mt/init/config.json" \
  asrboot mt init --pairs "$data/pool/train.tsv" --text "$data/train.txt" -o "$exp/mt/init" ${mt_model[@]+"${mt_model[@]}"}
run_stage 9 mt-train-raw "$exp/mt/raw/config.json" \
  asrboot mt train "$exp/mt/init" --train "$data/pool/train.tsv" --dev "$data/pool/dev.tsv" -o "$exp/mt/raw" "${mt_train[@]}"
run_stage 10 mt-train-centroid "$exp/mt/centroid/config.json" \
  asrboot mt train "$exp/mt/init" --train "$exp/select/centroid.tsv" --dev "$data/pool/dev.tsv" -o "$exp/mt/centroid" "${mt_train[@]}"
run_stage 11 mt-train-ml "$exp/mt/moore_lewis/config.json" \
  asrboot mt train "$exp/mt/init" --train "$exp/select/moore_lewis.tsv" --dev "$data/pool/dev.tsv" -o "$exp/mt/moore_lewis" "${mt_train[@]}"
run_stage 12 mt-self-train "$exp/mt/selftrain/round1/config.json" \
  asrboot mt self-train "$exp/mt/centroid" --train "$exp/select/centroid.tsv" --dev "$data/pool/dev.tsv" \
    --english "$slurp_dir/en_pool.txt" --top-fraction 0.5 --beam "$beam" -o "$exp/mt/selftrain" "${st_train[@]}"

# --- N-best translations of the English in-domain pool
for m in raw:13 centroid:14 moore_lewis:15 selftrain/round1:16; do
  name=${m%:*}; n=${m#*:}
  run_stage "$n" "translate-${name%%/*}" "$exp/translate/${name%%/*}.nbest.jsonl" \
    asrboot mt translate "$exp/mt/$name" "$slurp_dir/en_pool.txt" -o "$exp/translate/${name%%/*}.nbest.jsonl" \
      --beam "$beam" --nbest "$nbest"
done
run_stage 17 mt-eval "$exp/mt/eval.json" \
  bootstrap mt-eval --heldout "$data/pool/heldout.tsv" --beam "$beam" -o "$exp/mt/eval.json" \
    raw="$exp/mt/raw" centroid="$exp/mt/centroid" moore_lewis="$exp/mt/moore_lewis" selftrain="$exp/mt/selftrain/round1"

# --- Hindi texts of the variants: NMT 1-best (the beam's top), N-best rescored with the in-domain LM (weights tuned
#     on dev), the 1-best LM-filtered (threshold tuned on dev), and both (all combined)
for m in raw:18 centroid:19 moore_lewis:20 selftrain:21; do
  name=${m%:*}; n=${m#*:}
  run_stage "$n" "onebest-$name" "$exp/texts/$name.txt" \
    asrboot mt onebest "$exp/translate/$name.nbest.jsonl" -o "$exp/texts/$name.txt"
done
run_stage 22 rescore "$exp/texts/rescored.txt" \
  asrboot mt rescore "$exp/translate/selftrain.nbest.jsonl" --lm "$exp/lm/indomain.arpa" --tune-dev "$data/dev.txt" \
    -o "$exp/texts/rescored.txt" --workdir "$exp/texts/rescore_work"
run_stage 23 lm-filter "$exp/texts/filtered.txt" \
  asrboot mt lm-filter "$exp/texts/selftrain.txt" --lm "$exp/lm/indomain.arpa" --tune-dev "$data/dev.txt" \
    -o "$exp/texts/filtered.txt" --workdir "$exp/texts/filter_work"
run_stage 24 combined "$exp/texts/combined.txt" \
  asrboot mt lm-filter "$exp/texts/rescored.txt" --lm "$exp/lm/indomain.arpa" --tune-dev "$data/dev.txt" \
    -o "$exp/texts/combined.txt" --workdir "$exp/texts/combined_work"

# --- LM variants: a 3-gram on each text, EM-interpolated with the in-domain LM on dev (baseline: in-domain only)
t=$exp/texts
run_stage 25 lm-variants "$exp/lm/variants/variants.json" \
  bootstrap lm-variants --indomain "$exp/lm/indomain.arpa" --dev "$data/dev.txt" -o "$exp/lm/variants" \
    raw="$t/raw.txt" selection="$t/centroid.txt" selftrain="$t/selftrain.txt" rescore="$t/rescored.txt" \
    filter="$t/filtered.txt" combined="$t/combined.txt" general="$t/combined.txt,$data/general_hi.txt" \
    moore_lewis="$t/moore_lewis.txt"
run_stage 26 sweep "$exp/sweep/sweep.csv" \
  bootstrap sweep --train "$data/train.txt" --combined "$t/combined.txt" --dev "$data/dev.txt" --test "$data/test.txt" \
    --sizes "$sweep_sizes" --seeds "$sweep_seeds" -o "$exp/sweep"
run_stage 27 lm-report "$exp/ppl.png" \
  bootstrap report --variants "$exp/lm/variants/variants.json" --dev "$data/dev.txt" --test "$data/test.txt" \
    --mt-eval "$exp/mt/eval.json" --sweep "$exp/sweep/sweep.csv" --timing "$timing" -o "$exp"

[ "$stop_stage" -ge 28 ] || exit 0
$decode || { log done "LM-side results: $here/$exp/report.md (decoding off: --decode=false)"; exit 0; }
if [ "$stage" -le 30 ] && ! bootstrap check-am "$am"; then  # builtin[:DIR] without model.pt (not trained yet?)
  log 30 "no built-in AM for --am $am: decoding stages not run." \
    "LM-side report: $here/$exp/report.md. Pass --am SPEC (builtin:DIR, hf:DIR, torchscript:PATH;" \
    "asrboot/am/load.py), --decode=false, or train the built-in AM." >&2
  exit 3
fi

# --- speech: dev/test audio with held-out voices, decoding with every LM variant
run_stage 28 synth-dev "$data/audio/dev/cuts_clean.jsonl.gz" \
  asrboot synth "$slurp_dir/dev.tsv" "$data/audio/dev" --column hi --id-column id --voices eval --seed 1
run_stage 29 synth-test "$data/audio/test/cuts_clean.jsonl.gz" \
  asrboot synth "$slurp_dir/test.tsv" "$data/audio/test" --column hi --id-column id --voices eval --seed 2
compare() {  # every variant's HLG; LM scale tuned on dev; test WER, 95% CI, p-value vs the baseline
  asrboot compare-lms --am "$am" --dev "$data/audio/dev/cuts_clean.jsonl.gz" --test "$data/audio/test/cuts_clean.jsonl.gz" \
    --lms "$(bootstrap lms-arg "$exp/lm/variants/variants.json")" --out-dir "$exp/decode" \
    ${compare_opts[@]+"${compare_opts[@]}"}
}
run_stage 30 compare-lms "$exp/decode/results.csv" compare
seed=${sweep_seeds%%,*}
sweep_decode=()
for size in ${sweep_sizes//,/ }; do sweep_decode+=(--sweep-decode "$size=$exp/sweep/decode_n$size/results.csv"); done
compare_sweep() {  # baseline vs combined at every in-domain size (first seed's subset); AM outputs of stage 30
  local size lms
  for size in ${sweep_sizes//,/ }; do
    lms=baseline=$exp/sweep/n${size}_seed$seed.baseline.arpa,combined=$exp/sweep/n${size}_seed$seed.combined.arpa
    asrboot compare-lms --am "$am" --dev "$data/audio/dev/cuts_clean.jsonl.gz" --test "$data/audio/test/cuts_clean.jsonl.gz" \
      --lms "$lms" --out-dir "$exp/sweep/decode_n$size" --posteriors-dir "$exp/decode/posteriors" \
      ${compare_opts[@]+"${compare_opts[@]}"} > /dev/null
  done
}
run_stage 31 compare-sweep "$exp/sweep/decode_n${sweep_sizes##*,}/results.csv" compare_sweep
run_stage 32 report "$exp/wer.png" \
  bootstrap report --variants "$exp/lm/variants/variants.json" --dev "$data/dev.txt" --test "$data/test.txt" \
    --mt-eval "$exp/mt/eval.json" --sweep "$exp/sweep/sweep.csv" --decode "$exp/decode/results.csv" \
    "${sweep_decode[@]}" --timing "$timing" -o "$exp"

log done "results: $here/$exp/report.md"
