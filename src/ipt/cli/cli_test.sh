#!/usr/bin/env bash
# End-to-end test of the ipt command line on a tiny synthetic match:
#   cli_test.sh IPT_BINARY
# Checks that sim/panorama/show produce their outputs and that bad input fails
# with a non-zero exit and a message naming the file and field.
set -euo pipefail
IPT="$1"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

cat > "$WORK/tiny.yaml" <<'YAML'
rig: {image_width_px: 320, image_height_px: 180}
panorama: {width_px: 256, height_px: 128}
YAML

"$IPT" --help > "$WORK/help.txt"
grep -q "sim" "$WORK/help.txt" || fail "--help does not list sim"
"$IPT" sim --help | grep -q -- "--seconds FLOAT:in (0, 43200]=30" || fail "sim --help does not show the default of --seconds"

"$IPT" sim --config "$WORK/tiny.yaml" --seed 3 --seconds 1 --out "$WORK/m" >/dev/null 2>&1
for f in match.yaml left.mp4 right.mp4 annotations.csv; do [ -s "$WORK/m/$f" ] || fail "sim did not write $f"; done
[ "$(wc -l < "$WORK/m/annotations.csv")" -eq $((25 * 25 + 1)) ] || fail "annotations.csv should hold 25 frames x 25 people"

# Same seed, same ground truth.
"$IPT" sim --config "$WORK/tiny.yaml" --seed 3 --seconds 1 --out "$WORK/m2" >/dev/null 2>&1
cmp -s "$WORK/m/annotations.csv" "$WORK/m2/annotations.csv" || fail "sim is not deterministic for a seed"

# Refuses to overwrite without --force, and leaves the old match intact.
if "$IPT" sim --config "$WORK/tiny.yaml" --seconds 1 --out "$WORK/m" >/dev/null 2>"$WORK/err"; then fail "overwrote without --force"; fi
grep -q "already exists" "$WORK/err" || fail "no 'already exists' message"

"$IPT" panorama "$WORK/m" --out "$WORK/pano.mp4" >/dev/null 2>&1
[ -s "$WORK/pano.mp4" ] || fail "panorama video missing"
"$IPT" show "$WORK/m" --frame 10 --out "$WORK/show.png" --crops "$WORK/crops.png" >/dev/null 2>&1
[ -s "$WORK/show.png" ] && [ -s "$WORK/crops.png" ] || fail "show outputs missing"

"$IPT" bench "$WORK/m" --frames 5 --json > "$WORK/bench.json"
grep -q '"stitch_ms_per_frame"' "$WORK/bench.json" || fail "bench --json lacks stitch_ms_per_frame"

# Evaluation: a perturbed baseline, PTFE (table, JSON, HTML, comparison, SoccerNet export).
"$IPT" eval perturb --gt "$WORK/m" --out "$WORK/run_a" --seed 1 >/dev/null 2>&1
"$IPT" eval perturb --gt "$WORK/m" --out "$WORK/run_b" --seed 2 --noise 0.6 >/dev/null 2>&1
"$IPT" eval match --gt "$WORK/m" --pred "$WORK/run_a" --json --html "$WORK/report.html" --export-gsr "$WORK/gsr" > "$WORK/ptfe.json" 2>/dev/null
grep -q '"GS-HOTA"' "$WORK/ptfe.json" || fail "eval match --json lacks GS-HOTA"
grep -q '<svg' "$WORK/report.html" || fail "HTML report has no chart"
"$IPT" eval gsr --gt "$WORK/gsr/Labels-GameState.json" --pred "$WORK/gsr/predictions.json" --json > "$WORK/gsr.json"
python3 - "$WORK/ptfe.json" "$WORK/gsr.json" <<'PY' || fail "GS-HOTA of the exported SoccerNet files differs from PTFE's"
import json, sys
a = json.load(open(sys.argv[1]))["GS-HOTA"]; b = json.load(open(sys.argv[2]))["HOTA"]
sys.exit(0 if abs(a - b) < 1e-9 else 1)
PY
"$IPT" eval match --gt "$WORK/m" --compare "$WORK/run_a" "$WORK/run_b" | grep -q "delta" || fail "no comparison table"
"$IPT" render "$WORK/run_a" --match "$WORK/m" --out "$WORK/render.mp4" --stills 2 >/dev/null 2>&1 || fail "render failed"
[ -s "$WORK/render.mp4" ] || fail "render wrote no video"
[ "$(ls "$WORK/render_stills" | wc -l)" -eq 2 ] || fail "render wrote $(ls "$WORK/render_stills" | wc -l) stills, not 2"
mkdir -p "$WORK/gts" "$WORK/preds"; ln -s "$WORK/m" "$WORK/gts/m1"; ln -s "$WORK/run_a" "$WORK/preds/m1"
"$IPT" eval dataset --gt-root "$WORK/gts" --pred-root "$WORK/preds" 2>/dev/null | grep -q "COMBINED" || fail "eval dataset lacks COMBINED"
cp "$WORK/run_a/tracks.csv" "$WORK/bad_tracks.csv"; mkdir -p "$WORK/badrun"
sed '2s/^1,/0,/' "$WORK/bad_tracks.csv" > "$WORK/badrun/tracks.csv"
expect_error() {  # expect_error PATTERN CMD...
  local pattern="$1"; shift
  if "$@" >/dev/null 2>"$WORK/err"; then fail "succeeded on bad input: $*"; fi
  grep -q -- "$pattern" "$WORK/err" || { cat "$WORK/err"; fail "message lacks '$pattern'"; }
  # Users read what went wrong, not where in ipt's code it was found.
  if grep -qE '\[[a-z_]+\.(cc|h):[0-9]+\]' "$WORK/err"; then cat "$WORK/err"; fail "message shows a code location: $*"; fi
}
expect_error "tracks.csv:2: field 'frame'" "$IPT" eval match --gt "$WORK/m" --pred "$WORK/badrun"
printf '1,1,2,3\n1,1,4,5\n' > "$WORK/dup.txt"
expect_error "dup.txt:2: field 'id': id 1 appears more than once in frame 1" "$IPT" eval tracks --space pitch --gt "$WORK/dup.txt" --pred "$WORK/dup.txt"

# Model lifecycle: the cascade plan rows of the design document, from the CLI.
for row in "detector:frame,track:crop_encoder,tracker,jn_classifier,identity_resolver" \
           "crop_encoder:frame,track:tracker,jn_classifier,identity_resolver" \
           "tracker:track:jn_classifier,identity_resolver" "jn_classifier::" "identity_resolver::"; do
  IFS=: read -r changed regen retrain <<< "$row"
  "$IPT" cascade plan --changed "$changed" --json > "$WORK/plan.json"
  python3 - "$WORK/plan.json" "$regen" "$retrain" <<'PY' || fail "cascade plan for $changed"
import json, sys
p = json.load(open(sys.argv[1]))
want = lambda s: [x for x in s.split(",") if x]
assert p["regenerate"] == want(sys.argv[2]), p["regenerate"]
assert p["retrain"] == want(sys.argv[3]), p["retrain"]
PY
done
"$IPT" cascade plan --changed tracker --emit-script "$WORK/cascade.sh" >/dev/null 2>&1
bash -n "$WORK/cascade.sh" || fail "emitted cascade script is not valid bash"
# cascade run with the real entry points: the first step fails honestly (no matches to
# precompute), its log says why, and nothing downstream runs.
mkdir -p "$WORK/cmatches"
printf 'format: ipt-models/1\nmodels: {detector: abcdef12}\n' > "$WORK/cmodels.yaml"
if "$IPT" cascade run --changed tracker --models "$WORK/cmodels.yaml" --matches "$WORK/cmatches" \
     --outputs "$WORK/coutputs" --state "$WORK/cstate" > "$WORK/out" 2>&1; then fail "cascade run pretended to succeed"; fi
grep -q "cmatches: no match directory" "$WORK/cstate/logs/precompute_track.log" || fail "cascade step log lacks the reason"
grep -q "train:jn_classifier *not run" "$WORK/out" || fail "a step after a failure ran"
"$IPT" models --store "$WORK/store" list | grep -q "no packages" || fail "models list on an empty store"
printf 'format: ipt-models/1\nmodels: {detector: abcdef12}\n' > "$WORK/models.yaml"
if "$IPT" models --store "$WORK/store" validate "$WORK/models.yaml" > "$WORK/out" 2>&1; then fail "validated a collection with unknown refs"; fi
grep -q "no model abcdef12 in the store" "$WORK/out" || fail "validate does not name the unknown ref"
# The match-level evaluations check the collection before any work.
expect_error "models.yaml: field 'models.detector'" "$IPT" eval jersey "$WORK/m" --models "$WORK/models.yaml" --store "$WORK/store" --cache "$WORK/cache"
expect_error "models.yaml: field 'models.detector'" "$IPT" eval identity "$WORK/m" --models "$WORK/models.yaml" --store "$WORK/store" --cache "$WORK/cache"
expect_error "--windows" "$IPT" eval jersey "$WORK/m" --windows 0 --models "$WORK/models.yaml"
expect_error "--jersey" "$IPT" run "$WORK/m" --jersey maybe --models "$WORK/models.yaml" --out "$WORK/never"
expect_error "is an input of this command" "$IPT" render "$WORK/run_a" --match "$WORK/m" --out "$WORK/run_a/tracks.csv"

"$IPT" cache --root "$WORK/cache" ls | grep -q "no entries" || fail "cache ls on an empty store"
"$IPT" cache --root "$WORK/cache" verify | grep -q "0 entries verified" || fail "cache verify on an empty store"

# Bad input: exit code != 0, message names the file and the field.
cp -r "$WORK/m" "$WORK/bad"
sed -i 's/^fps: 25/fps: -3/' "$WORK/bad/match.yaml"
expect_error "match.yaml:4: field 'fps'" "$IPT" show "$WORK/bad" --out "$WORK/x.png"
cp "$WORK/m/match.yaml" "$WORK/bad/match.yaml"
sed -i 's/^frame_count: 25/frame_count: 26/' "$WORK/bad/match.yaml"
expect_error "left.mp4: field 'frame_count': video has 25 frames, match.yaml says 26" "$IPT" panorama "$WORK/bad" --out "$WORK/x.mp4"
cp "$WORK/m/match.yaml" "$WORK/bad/match.yaml"
sed -i '3s/,team_a,/,coach,/' "$WORK/bad/annotations.csv"
expect_error "annotations.csv:3: field 'category': unknown category 'coach'" "$IPT" show "$WORK/bad" --out "$WORK/x.png"
head -c 2000 "$WORK/m/left.mp4" > "$WORK/bad/left.mp4"
cp "$WORK/m/annotations.csv" "$WORK/bad/annotations.csv"
expect_error "left.mp4" "$IPT" show "$WORK/bad" --out "$WORK/x.png"
cp "$WORK/m/left.mp4" "$WORK/bad/left.mp4"
rm "$WORK/bad/right.mp4"
expect_error "right.mp4" "$IPT" show "$WORK/bad" --out "$WORK/x.png"
echo "people: {kit_similarty: 1}" > "$WORK/typo.yaml"
expect_error "field 'people.kit_similarty': unknown key" "$IPT" sim --config "$WORK/typo.yaml" --out "$WORK/never"
[ ! -e "$WORK/never" ] || fail "a failed sim left an output directory"
[ ! -e "$WORK/x.png" ] && [ ! -e "$WORK/x.mp4" ] || fail "a failed command left an output file"

# ---- eval: outputs never overwrite inputs; output directories carry the marker (issue 7) ----
cp "$WORK/m/annotations.csv" "$WORK/annotations.orig"
cp "$WORK/run_a/tracks.csv" "$WORK/tracks.orig"
expect_error "give --html too" "$IPT" eval match --gt "$WORK/m" --pred "$WORK/run_a" --stills "$WORK/m/match.yaml"
expect_error "--stills .*no_such.png: no such image file" "$IPT" eval match --gt "$WORK/m" --pred "$WORK/run_a" --html "$WORK/r.html" --stills "$WORK/no_such.png"
[[ ! -e "$WORK/r.html" ]] || fail "a refused evaluation wrote its report"
expect_error "is an input of this command" "$IPT" eval match --gt "$WORK/m" --pred "$WORK/run_a" --html "$WORK/m/annotations.csv"
expect_error "is an input of this command" "$IPT" eval match --gt "$WORK/m" --pred "$WORK/run_a" --html "$WORK/run_a/tracks.csv"
expect_error "is an input of this command" "$IPT" eval match --gt "$WORK/m" --pred "$WORK/run_a" --html "$WORK/m/match.yaml"
ln -s "$WORK/m/annotations.csv" "$WORK/gt_link.html"   # resolves to an input through a symlink
expect_error "is an input of this command" "$IPT" eval match --gt "$WORK/m" --pred "$WORK/run_a" --html "$WORK/gt_link.html"
expect_error "is an input of this command" "$IPT" eval match --gt "$WORK/m" --compare "$WORK/run_a" "$WORK/run_b" --html "$WORK/run_b/tracks.csv"
expect_error "--export-gsr .* is an input of this command" "$IPT" eval match --gt "$WORK/m" --pred "$WORK/run_a" --export-gsr "$WORK/m"
expect_error "--export-gsr .* is an input of this command" "$IPT" eval match --gt "$WORK/m" --pred "$WORK/run_a" --export-gsr "$WORK/run_a"
expect_error "holds an input of this command" "$IPT" eval match --gt "$WORK/m" --pred "$WORK/run_a" --export-gsr "$WORK"
expect_error "is an input of this command" "$IPT" eval dataset --gt-root "$WORK/gts" --pred-root "$WORK/preds" --html "$WORK/gts/m1/annotations.csv"
cmp -s "$WORK/m/annotations.csv" "$WORK/annotations.orig" || fail "an eval command replaced the ground truth"
cmp -s "$WORK/run_a/tracks.csv" "$WORK/tracks.orig" || fail "an eval command replaced the predictions"
# A directory ipt did not write is never replaced; one it wrote (marker) is, in place.
mkdir -p "$WORK/foreign"; echo "keep me" > "$WORK/foreign/tracks.csv"; echo "keep me" > "$WORK/foreign/notes.txt"
expect_error "not written by ipt" "$IPT" eval perturb --gt "$WORK/m" --out "$WORK/foreign"
expect_error "not written by ipt" "$IPT" eval match --gt "$WORK/m" --pred "$WORK/run_a" --export-gsr "$WORK/foreign"
grep -q "keep me" "$WORK/foreign/tracks.csv" && [ -f "$WORK/foreign/notes.txt" ] || fail "eval wrote into a directory it did not write"
[ -f "$WORK/run_a/.ipt-output" ] && [ -f "$WORK/gsr/.ipt-output" ] || fail "eval output directories lack the .ipt-output marker"
"$IPT" eval perturb --gt "$WORK/m" --out "$WORK/run_a" --seed 1 >/dev/null 2>&1 || fail "re-running perturb into its own output failed"
cmp -s "$WORK/run_a/tracks.csv" "$WORK/tracks.orig" || fail "perturb with the same seed wrote different tracks"
"$IPT" eval match --gt "$WORK/m" --pred "$WORK/run_a" --export-gsr "$WORK/gsr" >/dev/null 2>&1 || fail "re-exporting GSR into its own output failed"
mkdir -p "$WORK/empty_out"
"$IPT" eval perturb --gt "$WORK/m" --out "$WORK/empty_out" >/dev/null 2>&1 || fail "perturb into an empty directory failed"
[ -s "$WORK/empty_out/tracks.csv" ] || fail "perturb did not write into the empty directory"
# A match directory written by ipt carries the marker too: still never an output of perturb.
cp -r "$WORK/m" "$WORK/m_marked"; touch "$WORK/m_marked/.ipt-output"
expect_error "is an input of this command" "$IPT" eval perturb --gt "$WORK/m_marked" --out "$WORK/m_marked"
cmp -s "$WORK/m_marked/annotations.csv" "$WORK/annotations.orig" && [ ! -e "$WORK/m_marked/tracks.csv" ] || fail "perturb wrote into its input match"
# Limits and GSR input: refused with a message naming the file and field.
printf '100000000,1,2,3\n' > "$WORK/far.txt"
( ulimit -v 4000000; expect_error "far.txt:1: field 'frame'" "$IPT" eval tracks --space pitch --gt "$WORK/far.txt" --pred "$WORK/far.txt" ) || exit 1
echo '{"predictions": null}' > "$WORK/null_pred.json"
expect_error "null_pred.json: field 'predictions': must be an array" "$IPT" eval gsr --gt "$WORK/gsr/Labels-GameState.json" --pred "$WORK/null_pred.json"
# ---- end of eval block ----

# ---- match commands: outputs never overwrite inputs; limits; devices (issue 7) ----
cp "$WORK/m/left.mp4" "$WORK/left.orig"
expect_error "is an input of this command" "$IPT" panorama "$WORK/m" --out "$WORK/m/left.mp4"
expect_error "is an input of this command" "$IPT" show "$WORK/m" --frame 1 --out "$WORK/m/annotations.csv"
expect_error "is an input of this command" "$IPT" show "$WORK/m" --frame 1 --out "$WORK/s.png" --crops "$WORK/m/match.yaml"
cmp -s "$WORK/m/left.mp4" "$WORK/left.orig" || fail "panorama replaced its input video"
cmp -s "$WORK/m/annotations.csv" "$WORK/annotations.orig" || fail "show replaced the ground truth"
expect_error "threads" "$IPT" bench "$WORK/m" --threads 70000
expect_error "--match-minutes needs --models" "$IPT" bench "$WORK/m" --match-minutes 1
expect_error "not a regular file" "$IPT" eval tracks --space pitch --gt /dev/zero --pred /dev/zero
printf '\xef\xbb\xbf1,1,2,3\n2,1,2,3\n' > "$WORK/bom.txt"
"$IPT" eval tracks --space pitch --gt "$WORK/bom.txt" --pred "$WORK/bom.txt" --json > "$WORK/bom.json" 2>/dev/null
grep -q '"CLR_TP": 2' "$WORK/bom.json" || { cat "$WORK/bom.json"; fail "a byte-order mark dropped the first row"; }
# Found by a hostile review: option values, picture outputs, cascade state, duplicates.
# Substitutions: written to match.yaml (keys out / in), whose own checks accept them.
printf 'fps: 5\nrig: {image_width_px: 320, image_height_px: 180}\npanorama: {width_px: 256, height_px: 128}\n' > "$WORK/tiny5.yaml"
"$IPT" sim --config "$WORK/tiny5.yaml" --seed 3 --seconds 40 --substitutions 2 --out "$WORK/subs" >/dev/null 2>&1 ||
  fail "sim --substitutions failed"
[ "$(grep -c -- '- {frame: [0-9]*, out: [0-9]*, in: [0-9]*}' "$WORK/subs/match.yaml")" -eq 4 ] ||
  fail "sim --substitutions 2 did not write 4 substitutions"
"$IPT" eval perturb --gt "$WORK/subs" --out "$WORK/subs_run" --seed 1 >/dev/null 2>&1 || fail "the substitutions' match.yaml does not read back"
expect_error "Value 6 not in range 0 to 5" "$IPT" sim --substitutions 6 --seconds 1 --out "$WORK/never"
printf 'people: {bench_per_team: 1}\n' > "$WORK/bench1.yaml"
expect_error "people.substitutions_per_team must be in 0..5 and at most bench_per_team" "$IPT" sim --config "$WORK/bench1.yaml" --substitutions 2 --seconds 1 --out "$WORK/never"
expect_error "must be an integer in 0..18446744073709551615" "$IPT" sim --seed=-2 --seconds 1 --out "$WORK/never"
expect_error "must be a number in (0, 43200]" "$IPT" sim --seconds inf --out "$WORK/never"
"$IPT" sim --seconds 0 --out "$WORK/never" 2>&1 | grep -q "9999999" && fail "a range message printed a 309-digit number"
expect_error "must be a number in \[0, 100\]" "$IPT" eval perturb --gt "$WORK/m" --out "$WORK/never" --noise 1e308
expect_error "is an input of this command" "$IPT" show "$WORK/m" --frame 1 --out "$WORK/a.png" --crops "$WORK/a.png"
expect_error "not an image file name" "$IPT" show "$WORK/m" --frame 1 --out "$WORK/a.txt"
[ ! -e "$WORK/a.png" ] && [ ! -e "$WORK/a.txt" ] || fail "a refused show wrote an image"
expect_error "is an input of this command" "$IPT" cascade run --changed tracker --ipt true --matches "$WORK" --state "$WORK"
sed '1s/$/,track_id/; 2,$s/$/,777/' "$WORK/run_a/tracks.csv" > "$WORK/dupcol.csv"; mkdir -p "$WORK/dupcol"; mv "$WORK/dupcol.csv" "$WORK/dupcol/tracks.csv"
expect_error "tracks.csv:1: field 'track_id': column given twice" "$IPT" eval match --gt "$WORK/m" --pred "$WORK/dupcol"
printf '{"predictions": [], "predictions": []}' > "$WORK/dupkey.json"
expect_error "field 'predictions': key given twice" "$IPT" eval gsr --gt "$WORK/gsr/Labels-GameState.json" --pred "$WORK/dupkey.json"
# ---- end of match commands block ----

# ---- models and cascade block (issue 7: registry, cascade, safetensors) ----
# Packages made outside ipt (Python, the ref recomputed independently): models add
# parses the weights, a corrupt stored copy is replaced, models list reports bad ones.
make_package() {  # make_package DIR WEIGHTS_HEX_OR_MODE
  python3 - "$1" "$2" <<'PY'
import hashlib, json, os, struct, sys
out, mode = sys.argv[1], sys.argv[2]
def st(header, data):
    h = json.dumps(header).encode()
    return struct.pack('<Q', len(h)) + h + data
if mode == 'overflow':  # 2^62 x 4 floats: wraps to 0 bytes in 64-bit arithmetic
    weights = st({"w": {"dtype": "F32", "shape": [1 << 62, 4], "data_offsets": [0, 0]}}, b'')
else:
    weights = st({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, struct.pack('<f', float(mode)))
field = lambda b: struct.pack('<Q', len(b)) + b
ref = hashlib.sha256(field(b'ipt-model-ref/1') + field(b'detector') + field(b'detector') +
                     field(hashlib.sha256(weights).hexdigest().encode()) + field(b'{}')).hexdigest()
os.makedirs(out, exist_ok=True)
open(os.path.join(out, 'weights.safetensors'), 'wb').write(weights)
json.dump({"format": "ipt-model/1", "name": "detector", "kind": "detector", "ref": ref, "architecture": {},
           "io_schema": {"inputs": [], "outputs": []}}, open(os.path.join(out, 'model.json'), 'w'))
PY
}
MS="$WORK/mstore"
make_package "$WORK/pkg1" 1; make_package "$WORK/pkg2" 2; make_package "$WORK/pkg_overflow" overflow
REF1="$("$IPT" models --store "$MS" add "$WORK/pkg1" 2>/dev/null)"
REF2="$("$IPT" models --store "$MS" add "$WORK/pkg2" 2>/dev/null)"
[ "${#REF1}" -eq 64 ] && [ "$REF1" != "$REF2" ] || fail "models add did not print the refs"
expect_error "weights.safetensors: field 'tensor 'w'.shape': overflow" "$IPT" models --store "$MS" add "$WORK/pkg_overflow"
[ "$(ls "$MS" | wc -l)" -eq 2 ] || fail "models add stored a package whose weights do not parse"
printf 'x' >> "$MS/$REF1/weights.safetensors"
if "$IPT" models --store "$MS" list > "$WORK/out" 2>"$WORK/err"; then fail "models list exited 0 with a corrupt package"; fi
grep -q "^CORRUPT *${REF1:0:12} .*hash mismatch" "$WORK/out" || { cat "$WORK/out"; fail "models list does not mark the corrupt package"; }
grep -q "^detector *${REF2:0:12}" "$WORK/out" || fail "one corrupt package hid the good ones"
grep -q "1 corrupt package" "$WORK/err" || fail "models list does not say why it failed"
"$IPT" models list --help | grep -q "exit status" || fail "models list --help does not document its exit status"
[ "$("$IPT" models --store "$MS" add "$WORK/pkg1" 2>/dev/null)" = "$REF1" ] || fail "re-adding the package failed"
"$IPT" models --store "$MS" list > "$WORK/out" 2>&1 || fail "re-adding a good package kept the corrupt stored copy"
"$IPT" models --store "$MS" show "${REF1:0:8}" | grep -q '"name": "detector"' || fail "models show after repair"
# models.yaml: unknown keys, repeated keys and refs that are not hex are errors with file and line.
printf 'format: ipt-models/1\nmodles: {}\nmodels: {detector: %s}\n' "$REF1" > "$WORK/typo_models.yaml"
expect_error "typo_models.yaml:2: field 'modles': unknown key" "$IPT" models --store "$MS" validate "$WORK/typo_models.yaml"
printf 'format: ipt-models/1\nmodels:\n  detector: %s\n  tracker: ../../etc/passwd\n' "$REF1" > "$WORK/path_models.yaml"
expect_error "path_models.yaml:4: field 'models.tracker'" "$IPT" models --store "$MS" validate "$WORK/path_models.yaml"
# --emit-script never replaces an input of the plan.
printf 'format: ipt-models/1\nmodels: {detector: %s}\n' "$REF1" > "$WORK/c_models.yaml"
cp "$WORK/c_models.yaml" "$WORK/c_models.before"
expect_error "is an input" "$IPT" cascade plan --changed tracker --models "$WORK/c_models.yaml" --emit-script "$WORK/c_models.yaml"
cmp -s "$WORK/c_models.yaml" "$WORK/c_models.before" || fail "--emit-script overwrote the collection"
# The emitted script passes hostile paths verbatim and runs nothing they contain.
HOSTILE="$WORK/m \$(touch PWNED1) \`touch PWNED2\` it's \"q\"; touch PWNED3"
mkdir -p "$HOSTILE" "$WORK/run_script"
printf '#!/bin/sh\nfor a in "$@"; do printf "%%s\\n" "$a"; done >> "%s/argv.txt"\n' "$WORK/run_script" > "$WORK/fake_ipt"
chmod +x "$WORK/fake_ipt"
"$IPT" cascade plan --changed tracker --matches "$HOSTILE" --models=-x.yaml --emit-script "$WORK/hostile.sh" >/dev/null 2>&1
(cd "$WORK/run_script" && IPT="$WORK/fake_ipt" bash "$WORK/hostile.sh" > out.txt 2>&1) || { cat "$WORK/run_script/out.txt"; fail "the emitted script failed"; }
grep -Fxq -- "--matches=$HOSTILE" "$WORK/run_script/argv.txt" || { cat "$WORK/run_script/argv.txt"; fail "the script mangled --matches"; }
grep -Fxq -- "--models=-x.yaml" "$WORK/run_script/argv.txt" || fail "the script mangled --models"
[ -z "$(find "$WORK" -name 'PWNED*')" ] || fail "the emitted script ran a command smuggled in a path"
# ---- end of models and cascade block ----

# ---- sim block (issue 7: limits, --force, outputs vs inputs, every checked config renders) ----
# Durations past 12 hours are refused before any work (1e9 s used to wrap to 1 frame, exit 0).
expect_error "must be a number in (0, 43200]" "$IPT" sim --seconds 1e9 --out "$WORK/sim_long"
[ ! -e "$WORK/sim_long" ] || fail "a refused sim left an output directory"
# Sizes that allocate are bounded, with the field named.
printf 'rig: {image_width_px: 1000000, image_height_px: 1000000}\n' > "$WORK/sim_huge.yaml"
expect_error "rig image size 1000000x1000000" "$IPT" sim --config "$WORK/sim_huge.yaml" --out "$WORK/sim_huge"
printf 'panorama: {width_px: 1000000, height_px: 1000000}\n' > "$WORK/sim_pano.yaml"
expect_error "panorama size 1000000x1000000" "$IPT" sim --config "$WORK/sim_pano.yaml" --out "$WORK/sim_pano"
# The issue's rig (pinhole, wide field of view, barrel distortion, high rig) renders.
cat > "$WORK/sim_wide.yaml" <<'YAML'
rig: {height_m: 99.2, behind_touchline_m: 46.2, yaw_deg: 64.1, tilt_down_deg: 7.0, lens: pinhole_radtan,
      horizontal_fov_deg: 168.5, distortion: [-0.153, 0.0357, -0.0169, -0.0107, 0.014],
      image_width_px: 160, image_height_px: 90}
panorama: {width_px: 128, height_px: 64}
YAML
"$IPT" sim --config "$WORK/sim_wide.yaml" --seconds 0.2 --out "$WORK/sim_wide" >/dev/null 2>"$WORK/err" || { cat "$WORK/err"; fail "the wide pinhole rig did not render"; }
[ -f "$WORK/sim_wide/.ipt-output" ] || fail "sim did not mark its output directory"
# --force replaces a match ipt wrote, never a folder it did not write.
"$IPT" sim --config "$WORK/sim_wide.yaml" --seconds 0.2 --out "$WORK/sim_wide" --force >/dev/null 2>&1 || fail "--force did not replace a match ipt wrote"
mkdir -p "$WORK/important" && echo "years of work" > "$WORK/important/thesis.tex"
expect_error "was not written by ipt" "$IPT" sim --config "$WORK/tiny.yaml" --seconds 0.2 --out "$WORK/important" --force
[ -f "$WORK/important/thesis.tex" ] || fail "sim --force deleted a folder it did not write"
# --out must not be, nor hold, the --config file.
mkdir -p "$WORK/cfgdir" && cp "$WORK/tiny.yaml" "$WORK/cfgdir/tiny.yaml"
expect_error "is an input" "$IPT" sim --config "$WORK/cfgdir/tiny.yaml" --seconds 0.2 --out "$WORK/cfgdir/tiny.yaml" --force
expect_error "holds an input" "$IPT" sim --config "$WORK/cfgdir/tiny.yaml" --seconds 0.2 --out "$WORK/cfgdir" --force
[ -f "$WORK/cfgdir/tiny.yaml" ] || fail "sim replaced its own --config"
# Datasets (issue 8): --seeds writes OUT/seed-N per seed, --vary draws the stadium from the seed.
"$IPT" sim --config "$WORK/tiny.yaml" --vary --seeds 1000,1001 --seconds 0.2 --out "$WORK/ds" >/dev/null 2>"$WORK/err" || { cat "$WORK/err"; fail "sim --vary --seeds failed"; }
for s in 1000 1001; do [ -s "$WORK/ds/seed-$s/annotations.csv" ] || fail "--seeds did not write seed-$s"; done
head -1 "$WORK/ds/seed-1000/annotations.csv" | grep -q ",number_side,number_px,legibility$" || fail "annotations.csv lacks the jersey-number labels"
[ "$(grep -m1 'fx:' "$WORK/ds/seed-1000/match.yaml")" != "$(grep -m1 'fx:' "$WORK/ds/seed-1001/match.yaml")" ] || fail "--vary gave two seeds the same lens"
expect_error "already exists" "$IPT" sim --config "$WORK/tiny.yaml" --vary --seeds 1001-1002 --seconds 0.2 --out "$WORK/ds"
[ ! -e "$WORK/ds/seed-1002" ] || fail "a refused dataset command rendered a match"
"$IPT" sim --config "$WORK/tiny.yaml" --vary --seeds 1001-1002 --seconds 0.2 --out "$WORK/ds" --force >/dev/null 2>&1 || fail "--force did not replace the dataset's matches"
[ -s "$WORK/ds/seed-1002/match.yaml" ] || fail "--force did not write seed-1002"
expect_error "the range is empty" "$IPT" sim --seeds 5-3 --out "$WORK/never"
expect_error "more than 10000 seeds" "$IPT" sim --seeds 0-20000 --out "$WORK/never"
expect_error "excludes" "$IPT" sim --seed 3 --seeds 1-2 --out "$WORK/never"
[ ! -e "$WORK/never" ] || fail "a refused sim left an output directory"
# Jersey scenes (the number reader's training data) as pictures; refused with --seeds.
"$IPT" sim --jersey-scenes 1 --seed 3000 --out "$WORK/scenes" >/dev/null 2>"$WORK/err" || { cat "$WORK/err"; fail "sim --jersey-scenes failed"; }
{ [ -s "$WORK/scenes/scene-1.jpg" ] && [ -s "$WORK/scenes/crops-1.png" ]; } || fail "sim --jersey-scenes wrote no pictures"
expect_error "excludes" "$IPT" sim --jersey-scenes 1 --seeds 3000-3001 --out "$WORK/never"
# ---- end of sim block ----

# ---- the pipeline with the committed default models (issue 8) ----
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
# Every collection in configs/ is whole in the committed store (provenance and schemas on every
# edge): a package promoted into one collection cannot leave another stale unnoticed.
for c in "$ROOT"/configs/models*.yaml; do
  "$IPT" models --store "$ROOT/assets/models" validate "$c" > "$WORK/out" 2>&1 || { cat "$WORK/out"; fail "$c does not validate"; }
done
RUN=("$IPT" run "$WORK/m" --models "$ROOT/configs/models.yaml" --store "$ROOT/assets/models" --cache "$WORK/cache")
"${RUN[@]}" --out "$WORK/run" >/dev/null 2>"$WORK/err" || { cat "$WORK/err"; fail "ipt run failed"; }
for f in tracks.csv predictions-gsr.json run.json; do [ -s "$WORK/run/$f" ] || fail "ipt run did not write $f"; done
"${RUN[@]}" --out "$WORK/run" >/dev/null 2>"$WORK/err" || { cat "$WORK/err"; fail "second ipt run failed"; }
grep -q "frame layer: cache hit; track layer: cache hit" "$WORK/err" || { cat "$WORK/err"; fail "the second run was no cache hit"; }
"$IPT" eval match --gt "$WORK/m" --pred "$WORK/run" | grep -q "HOTA" || fail "eval match does not score ipt run's output"
# A collection that does not validate fails naming the file, and leaves OUT as it was.
printf 'format: ipt-models/1\nmodels:\n  tracker: %s\n' "$(awk '/tracker:/ {print $2}' "$ROOT/configs/models.yaml")" > "$WORK/bad_models.yaml"
cp -r "$WORK/run" "$WORK/run_before"
expect_error "bad_models.yaml" "$IPT" run "$WORK/m" --models "$WORK/bad_models.yaml" --store "$ROOT/assets/models" --cache "$WORK/cache" --out "$WORK/run"
diff -r "$WORK/run" "$WORK/run_before" >/dev/null || fail "a failed ipt run changed OUT"
DETECTOR="$(awk '/detector:/ {print $2}' "$ROOT/configs/models.yaml")"
"$IPT" detect "$WORK/m" --model "$DETECTOR" --store "$ROOT/assets/models" --out "$WORK/det.csv" --score >/dev/null 2>&1 || fail "ipt detect failed"
head -1 "$WORK/det.csv" | grep -q "^frame,x_m,z_m,score$" || fail "detections.csv header"
expect_error "match.yaml" "$IPT" detect "$ROOT/configs" --model "$DETECTOR" --store "$ROOT/assets/models" --out "$WORK/never.csv"


# ---- crop encoder training through the CLI: a tiny network, a few steps ----
mkdir -p "$WORK/ce_store"; cp -r "$ROOT/assets/models/." "$WORK/ce_store/"
cat > "$WORK/ce.yaml" <<YAML
model: crop_encoder
train_matches: [$WORK/m]
val_matches: [$WORK/m]
training: {steps: 4, steps_per_epoch: 2, threads: 1, loader_workers: 1}
data: {frame_step: 5, val_frame_step: 10, identities_per_batch: 4, crops_per_identity: 2, legible_per_batch: 2,
       background_per_batch: 2, loader_threads: 1}
network: {channels: [4, 8, 8, 8], jersey_channels: 4, jersey_hidden: 16, jersey_branch: [4, 4, 8, 8]}
YAML
CE=("$IPT" train crop_encoder --models "$ROOT/configs/models.yaml" --store "$WORK/ce_store" --run-dir "$WORK/ce_run")
"${CE[@]}" --config "$WORK/ce.yaml" > "$WORK/ce_ref" 2>"$WORK/err" || { cat "$WORK/err"; fail "ipt train crop_encoder failed"; }
CE_REF="$(tail -1 "$WORK/ce_ref")"
[ "${#CE_REF}" -eq 64 ] || fail "train crop_encoder printed no ref"
[ -s "$WORK/ce_run/curves.csv" ] || fail "train crop_encoder wrote no curves"
# The package records the commit this build was made from (taken at build time; `ipt
# --version` prints it), and, with the jersey branch, each part's best step. That commit is
# HEAD, or one before it with no change to the code since (a build made before a commit of
# docs or models is still that commit's build).
CE_JSON="$WORK/ce_store/$CE_REF/model.json"
BUILD_COMMIT="$("$IPT" --version | sed -n 's/^ipt .* (commit \(.*\))$/\1/p')" || fail "ipt --version failed"
[ -n "$BUILD_COMMIT" ] || fail "ipt --version does not say its commit"
# As git_commit.cmake stamps: only a tree that is its own repository's top level has a commit.
TOP="$(git -C "$ROOT" rev-parse --show-toplevel 2>/dev/null || true)"
if [ -n "$TOP" ] && [ "$(realpath "$TOP")" = "$(realpath "$ROOT")" ]; then
  STAMP="${BUILD_COMMIT%%-*}"  # without -dirty / -unknown-state (a hash has no '-')
  if [ "$STAMP" != "$(git -C "$ROOT" rev-parse HEAD)" ]; then
    # Code: everything but docs, configs, model packages and scripts (tests' too).
    git -C "$ROOT" cat-file -e "$STAMP^{commit}" 2>/dev/null \
      && git -C "$ROOT" diff --quiet "$STAMP" HEAD -- . ':!*.md' ':!docs' ':!assets' ':!configs' ':!scripts' ':!*.sh' \
      || fail "the build's commit $BUILD_COMMIT is neither HEAD nor an earlier commit of the same code in this clone: rebuild"
  fi
else
  [ "$BUILD_COMMIT" = unknown ] || fail "outside a git work tree of its own the build's commit is $BUILD_COMMIT, not unknown"
fi
python3 - "$CE_JSON" "$BUILD_COMMIT" <<'PY' || fail "package code_version / part steps"
import json, sys
m = json.load(open(sys.argv[1]))
version, expected = m["code_version"], sys.argv[2]
assert version == expected, (version, expected)
v = m["metrics"]["validation"]
assert "best_step.body" in v and "best_step.jersey" in v, sorted(v)
PY
"$IPT" eval crops "$WORK/m" --model "$CE_REF" --store "$WORK/ce_store" 2>/dev/null | grep -q "jersey accuracy" \
  || fail "eval crops does not score the trained package"
# Resuming with another recipe is refused, naming what differs.
sed 's/frame_step: 5,/frame_step: 4,/' "$WORK/ce.yaml" > "$WORK/ce2.yaml"
expect_error "recipe" "${CE[@]}" --config "$WORK/ce2.yaml" --resume

echo "cli_test: all checks passed"
