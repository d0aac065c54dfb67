#!/usr/bin/env bash
# Mutation testing (cargo-mutants) of chosen source files, or of the files a
# change touched. Slow: not part of CI; run it on the files you changed.
#
#   scripts/mutants.sh FILE...           mutate these files (e.g. store/src/plan.rs)
#   scripts/mutants.sh --since BASE      mutate the .rs files of `git diff --name-only BASE`
#   scripts/mutants.sh ... -- ARGS       pass ARGS on to cargo-mutants (e.g. --list, -F union)
#
# Each file's crate is tested with its own tests only (the test targets below),
# one mutant at a time (--jobs 1) with a fixed per-mutant test timeout, which is
# what fits the 2-core development machine. Equivalent mutants (ones that cannot
# change behaviour) are excluded, with the reason, in .cargo/mutants.toml.
#
# Environment:
#   MUTANTS_TIMEOUT        seconds per mutant's test run (default: 3 x the
#                          unmutated run, at least 60 s; .cargo/mutants.toml)
#   MUTANTS_BUILD_TIMEOUT  seconds per mutant's build (default: 3 x the
#                          unmutated build)
#   MUTANTS_JOBS           mutants built and tested at once (default 1),
#                          each job in a build directory of its own (rsql's
#                          SQL emitter with 2 on 2 cores: about 13 s a mutant)
#   MUTANTS_SKIP           test names to skip, space-separated substrings
#                          (cargo test's --skip), for tests that cannot reach
#                          the mutated files: e.g. MUTANTS_SKIP=mongo for
#                          rsql/src/emit/sql/ (a test a skip hides can only
#                          turn a caught mutant into a missed one, never the
#                          other way round)
#   MUTANTS_OUT            where the reports go (default target/mutants; one
#                          directory per crate: <out>/<crate>/mutants.out)
#   The mutated copies are built in their own build directories (each
#   job's copy of the tree has its own target/, made afresh by every run;
#   CARGO_TARGET_DIR is unset for them). Never a shared one: the copies of
#   one workspace give their artifacts the same names (cargo hashes a
#   member's path relative to the workspace), so two jobs, or a job and the
#   real tree, building into one directory run each other's binaries.
#
# Needs cargo-mutants (27.x):
#   cargo install cargo-mutants --locked
# Results: <out>/<crate>/mutants.out/{caught,missed,timeout,unviable}.txt;
# the script ends with a one-line summary per crate and exits non-zero when a
# mutant was missed.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! cargo mutants --version >/dev/null 2>&1; then
  cat >&2 <<'EOF'
scripts/mutants.sh: cargo-mutants is not installed.
Install it (into ~/.cargo/bin) with:
    cargo install cargo-mutants --locked
EOF
  exit 2
fi

usage() {
  sed -n '2,8p' "${BASH_SOURCE[0]}" >&2
  exit 2
}

files=()
extra=()
while (($#)); do
  case "$1" in
    --since)
      (($# >= 2)) || usage
      while IFS= read -r f; do
        files+=("$f")
      done < <(git diff --name-only "$2" -- '*.rs')
      shift 2
      ;;
    --)
      shift
      extra=("$@")
      break
      ;;
    -h | --help) usage ;;
    -*) echo "scripts/mutants.sh: unknown option $1" >&2; usage ;;
    *)
      [[ -f "$1" ]] || { echo "scripts/mutants.sh: no such file: $1" >&2; exit 2; }
      files+=("$1")
      shift
      ;;
  esac
done
((${#files[@]})) || { echo "scripts/mutants.sh: no file to mutate" >&2; usage; }

# The package whose tests exercise each crate's code, its features and its
# test targets. rsql's integration tests link store (a dev-dependency) and
# include the live PostgreSQL / SQLite suites (PostgreSQL must be up, as for
# `cargo test`; see .ci/run).
test_package() {
  case "$1" in
    rsql | rsql-derive) echo rsql ;;
    *) echo "$1" ;;
  esac
}
features_for() {
  case "$1" in
    rsql) echo "mongo,json,serde,bson" ;;
    rsql-derive) echo "derive" ;;
    *) echo "" ;;
  esac
}
tests_for() {
  case "$1" in
    rsql | rsql-derive) echo "--lib --test rsql" ;;
    store) echo "--lib --test store" ;;
    server) echo "--lib --tests" ;;
  esac
}

# Group the files by crate (the first path component), keeping source files
# only: tests, benches and fuzz targets are not mutated.
declare -A by_crate=()
for f in "${files[@]}"; do
  case "$f" in
    rsql/src/*.rs | store/src/*.rs | server/src/*.rs | rsql-derive/src/*.rs) ;;
    *) echo "skipping $f (not a library source file)" >&2; continue ;;
  esac
  [[ -f "$f" ]] || { echo "skipping $f (deleted)" >&2; continue; }
  crate="${f%%/*}"
  by_crate[$crate]+=" --file $f"
done
((${#by_crate[@]})) || { echo "scripts/mutants.sh: no library source file to mutate" >&2; exit 2; }

out="${MUTANTS_OUT:-target/mutants}"
unset CARGO_TARGET_DIR
# No debug info in the mutated builds (a failing test's backtrace is not
# read), so that each mutant builds faster; the copies' build directories
# are their own, so the normal builds keep theirs.
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-false}"
export CARGO_PROFILE_TEST_DEBUG="${CARGO_PROFILE_TEST_DEBUG:-false}"
timeouts=()
[[ -n "${MUTANTS_TIMEOUT:-}" ]] && timeouts+=(--timeout "$MUTANTS_TIMEOUT")
[[ -n "${MUTANTS_BUILD_TIMEOUT:-}" ]] && timeouts+=(--build-timeout "$MUTANTS_BUILD_TIMEOUT")
skips=()
for s in ${MUTANTS_SKIP:-}; do
  skips+=(--skip "$s")
done
((${#skips[@]})) && skips=(-- "${skips[@]}")
status=0
for crate in "${!by_crate[@]}"; do
  read -r -a targets <<<"$(tests_for "$crate")"
  read -r -a file_args <<<"${by_crate[$crate]}"
  features=()
  [[ -n "$(features_for "$crate")" ]] && features=(--features "$(features_for "$crate")")
  mkdir -p "$out/$crate"
  echo "==> cargo mutants on $crate:${by_crate[$crate]//--file/}" >&2
  set +e
  cargo mutants \
    --jobs "${MUTANTS_JOBS:-1}" \
    "${timeouts[@]}" \
    --output "$out/$crate" \
    --test-package "$(test_package "$crate")" \
    "${features[@]}" \
    "${file_args[@]}" \
    "${extra[@]}" \
    -- "${targets[@]}" "${skips[@]}"
  rc=$?
  set -e
  # 0 all caught, 2 some missed, 3 some timed out; anything else is a failure
  # of the run itself (e.g. the tree does not build or its tests fail).
  case $rc in
    0 | 2 | 3) ((rc > status)) && status=$rc ;;
    *) echo "cargo mutants failed on $crate (exit $rc)" >&2; exit "$rc" ;;
  esac
  dir="$out/$crate/mutants.out"
  if [[ -f "$dir/outcomes.json" ]]; then
    count() { [[ -f "$dir/$1.txt" ]] && grep -c . "$dir/$1.txt" || echo 0; }
    echo "$crate: caught $(count caught), missed $(count missed), timeout $(count timeout), unviable $(count unviable) (details in $dir)"
  fi
done
exit "$status"
