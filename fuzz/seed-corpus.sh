#!/usr/bin/env bash
# Rebuilds the committed seed corpus fuzz/corpus/<target>/ from
#   * every line of benches/data/filters.txt (the bench corpus),
#   * every rsql/tests/data/**/*.rsql file (the parser's snapshot inputs), and
#   * the hand-written edge cases below (valid and invalid on purpose).
# Files are named by the SHA-1 of their content, as libFuzzer names them, so
# re-running is idempotent. Run from anywhere: `bash fuzz/seed-corpus.sh`.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# one corpus directory per target in fuzz/fuzz_targets/
targets=()
for f in "$root"/fuzz/fuzz_targets/*.rs; do
  targets+=("$(basename "$f" .rs)")
done

edge_cases=(
  'a==1'
  'a==1;b==2,c==3;d==4'
  'a==1 and b==2 or c==3'
  '((a==1));((b==2),c==3)'
  'a=in=(x or y)'
  'a=in=x'
  'a==(x)'
  "a=='it''s'"
  'a=="say \"hi\""'
  "a=='say \\'hi\\''"
  'a=="C:\\dir\\x";b==C:\dir'
  'a=="2\*3";b==*x*'
  'a==""'
  "a==''"
  $'a==b\tc'
  $'a\t==1'
  $'a==1\n;b==2'
  $'a==\u00a0x'
  'a==x%20y'
  'and==2 and or>3'
  'a<1;b<=2;c>3;d>=4;e!=5'
  'a=like=*x*;b=ke=y;c=ilike=Z;d=ic=q'
  'a=bt=(1,5);b=between=(1,5);c=nb=(1,2)'
  'a=isnull=true;b=notnull=false;c=na=true'
  'a=foo=(1,2,3);b=LIKE=x'
  'conversation.startTime=ge=2021-03-01;conversation.startTime=lt=2021-03-08T00:00:00Z'
  'metadata.score=gt=0.5;metadata.count=le=-3'
  'conversation.metadata.agentId==a1'
  # invalid on purpose: errors must carry a span inside the input
  ''
  '   '
  'a==1;'
  'a==1,'
  ';a==1'
  'a==1 AND b==2'
  'a==1and b==2'
  'a==1 and(b==2)'
  'a== and b==1'
  'a==x y'
  'a=gte=1'
  'a=GT=1'
  'a=l1ke=1'
  'a=foo1'
  'a=!1'
  'a=>1'
  'a=<1'
  'a=1'
  'a~1'
  'a=in=()'
  'a==(1,2)'
  'a=bt=(1)'
  '(a==1'
  'a==1)'
  '()'
  '"a"==1'
  'a=="unterminated'
  "a=='unterminated"
  'a=="trailing\'
  '(((((((((((((((((((((((((((((((((((((((((a==1)))))))))))))))))))))))))))))))))))))))))'
)

write_seed() {
  local content="$1" name dir
  name="$(printf '%s' "$content" | sha1sum | cut -d' ' -f1)"
  for t in "${targets[@]}"; do
    dir="$root/fuzz/corpus/$t"
    mkdir -p "$dir"
    printf '%s' "$content" >"$dir/$name"
  done
}

while IFS= read -r line || [[ -n "$line" ]]; do
  [[ -n "$line" ]] && write_seed "$line"
done <"$root/benches/data/filters.txt"

if [[ -d "$root/rsql/tests/data" ]]; then
  while IFS= read -r -d '' f; do
    content="$(cat "$f")" # drops trailing newlines, as the snapshot tests do
    write_seed "$content"
  done < <(find "$root/rsql/tests/data" -name '*.rsql' -print0 | sort -z)
fi

for c in "${edge_cases[@]}"; do
  write_seed "$c"
done

for t in "${targets[@]}"; do
  echo "fuzz/corpus/$t: $(find "$root/fuzz/corpus/$t" -type f | wc -l) seeds"
done
