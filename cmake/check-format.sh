#!/usr/bin/env bash
# Checks that every tracked C++ file (.hpp .h .cpp .cu .cuh) is formatted as .clang-format
# says; exits 1 naming the files that are not. Vendored third-party code is left as it came.
#
#   cmake/check-format.sh         check (CI)
#   cmake/check-format.sh --fix   reformat those files in place
#
# The formatter is $CLANG_FORMAT if set, else clang-format-14, else clang-format. CI uses
# Debian's clang-format 14 (cmake/install-deps.sh); other versions may format differently.
set -euo pipefail
cd "$(dirname "$0")/.."

fix=false
case "${1:-}" in
  '') ;;
  --fix) fix=true ;;
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 0 ;;
  *) echo "check-format.sh: unknown option '$1' (expected --fix or nothing)" >&2; exit 2 ;;
esac

clang_format=${CLANG_FORMAT:-}
if [ -z "$clang_format" ]; then
  for candidate in clang-format-14 clang-format; do
    if command -v "$candidate" >/dev/null 2>&1; then clang_format=$candidate; break; fi
  done
fi
if [ -z "$clang_format" ] || ! command -v "$clang_format" >/dev/null 2>&1; then
  echo "check-format.sh: no clang-format found (install it: cmake/install-deps.sh --format," >&2
  echo "  or set CLANG_FORMAT to the binary)" >&2
  exit 2
fi
version=$("$clang_format" --version)
if [[ ! $version =~ version\ 14\. ]]; then
  echo "check-format.sh: note: $clang_format is '$version'; CI formats with clang-format 14" >&2
fi

# Tracked files only (never build trees); the vendored stb_image stays as upstream wrote it.
vendored='^include/pixfuse/io/detail/stb_image_v2_30\.h$'
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "check-format.sh: not a git checkout (the files to check are the ones git tracks)" >&2
  exit 2
fi
files=()
while IFS= read -r -d '' f; do
  [[ $f =~ $vendored ]] || files+=("$f")
done < <(git ls-files -z -- '*.hpp' '*.h' '*.cpp' '*.cu' '*.cuh')

if $fix; then
  "$clang_format" --style=file -i "${files[@]}"
  echo "check-format.sh: formatted ${#files[@]} files with $clang_format"
  exit 0
fi

unformatted=()
for f in "${files[@]}"; do
  "$clang_format" --style=file --dry-run -Werror "$f" >/dev/null 2>&1 || unformatted+=("$f")
done
if [ ${#unformatted[@]} -ne 0 ]; then
  echo "check-format.sh: ${#unformatted[@]} of ${#files[@]} files are not formatted as .clang-format says:" >&2
  printf '  %s\n' "${unformatted[@]}" >&2
  echo "run cmake/check-format.sh --fix (or $clang_format -i FILE) and commit the result" >&2
  exit 1
fi
echo "check-format.sh: ${#files[@]} files formatted ($clang_format)"
