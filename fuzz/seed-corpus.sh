#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from fixtures/: pastes, session files, and every response body and
# given token in the sessions. Needs jq. Run from anywhere; safe to rerun (files are named by
# fixture, so reruns overwrite rather than pile up).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
fixtures="$here/../fixtures"
corpus="$here/corpus"
targets=(paste token session entra_error api_error cloud_discovery)
for t in "${targets[@]}"; do mkdir -p "$corpus/$t"; done

put() { # put TARGET NAME < content
  cat > "$corpus/$1/$2"
}

for dir in "$fixtures"/*/; do
  name="$(basename "$dir")"
  if [[ -f "$dir/paste.txt" ]]; then
    for t in paste token entra_error api_error; do put "$t" "$name.paste" < "$dir/paste.txt"; done
  fi
  if [[ -f "$dir/session.json" ]]; then
    put session "$name.session" < "$dir/session.json"
    i=0
    while IFS= read -r -d '' body; do
      for t in paste token entra_error api_error cloud_discovery; do
        printf '%s' "$body" | put "$t" "$name.body$i"
      done
      i=$((i + 1))
    done < <(jq -j '.exchanges[] | (.response.body // empty) | (., "\u0000")' "$dir/session.json")
    token="$(jq -r '.settings.token_input // empty' "$dir/session.json")"
    if [[ -n "$token" ]]; then
      printf '%s' "$token" | put token "$name.token"
    fi
  fi
done
for t in "${targets[@]}"; do
  echo "$t: $(find "$corpus/$t" -type f | wc -l) seeds"
done
