#!/usr/bin/env bash
# Print the digest of what the desktop bundle is built from: installer/ (but this stamp's
# own file and the docs), the dependency list, and the bundle's entry and self-test code.
# `.ci/run` rebuilds and self-tests the bundle when it differs from installer/bundle.sha256.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
files=(pyproject.toml trinity_gui/bundle.py trinity_gui/self_test.py engine/self_test.py)
while IFS= read -r file; do files+=("$file"); done < <(
    find installer -type f ! -name bundle.sha256 ! -name README.md ! -name screenshots.py ! -name '*.pyc' | LC_ALL=C sort)
for file in "${files[@]}"; do
    printf '%s\n' "$file"
    sha256sum < "$file"
done | sha256sum | cut -d' ' -f1
