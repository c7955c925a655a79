#!/bin/sh
# Puts the model weights into the cache volume and proves they are the ones the country profile
# pins before the server container may start. Any mismatch exits non-zero, so the pod never serves
# unverified weights. Needs: sh, curl (>= 7.75 for SigV4), sha256sum, find.
#
# Objects are read path-style from an in-country S3-compatible store:
#   <WEIGHTS_ENDPOINT>/<WEIGHTS_BUCKET>[/<WEIGHTS_PREFIX>]/<key>
# WEIGHTS_FORMAT=directory: the prefix holds `weights.manifest` (lines "<sha256> <size> <path>",
#   written by `sovereign weights manifest DIR`); WEIGHTS_SHA256 pins the manifest, the manifest
#   pins every file. Files already verified are kept, interrupted downloads resume (HTTP Range).
# Only `directory` is served: the engine loads a directory (config, tokenizer, safetensors shards).
#
# Env: WEIGHTS_ENDPOINT (an https URL: scheme, host and optional port, no path), WEIGHTS_BUCKET, WEIGHTS_PREFIX, WEIGHTS_SHA256,
#      WEIGHTS_FORMAT, CACHE_DIR, S3_REGION, optional CA_BUNDLE (PEM of the in-country CA),
#      optional AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
set -eu

: "${WEIGHTS_ENDPOINT:?WEIGHTS_ENDPOINT is required}"
: "${WEIGHTS_BUCKET:?WEIGHTS_BUCKET is required}"
: "${WEIGHTS_SHA256:?WEIGHTS_SHA256 is required}"
: "${CACHE_DIR:?CACHE_DIR is required}"
WEIGHTS_PREFIX="${WEIGHTS_PREFIX:-}"
WEIGHTS_FORMAT="${WEIGHTS_FORMAT:-directory}"
S3_REGION="${S3_REGION:-us-east-1}"
MANIFEST=weights.manifest

log() { printf 'fetch-weights: %s\n' "$*" >&2; }

case "$WEIGHTS_SHA256" in
  *[!0-9a-f]*) log "WEIGHTS_SHA256 is not lowercase hex: $WEIGHTS_SHA256"; exit 2 ;;
esac
if [ "${#WEIGHTS_SHA256}" -ne 64 ]; then
  log "WEIGHTS_SHA256 must be 64 hex characters, got ${#WEIGHTS_SHA256}"
  exit 2
fi
case "$WEIGHTS_ENDPOINT" in
  https://*/*) log "WEIGHTS_ENDPOINT must have no path (the bucket goes in WEIGHTS_BUCKET): $WEIGHTS_ENDPOINT"; exit 2 ;;
  https://*) ;;
  *) log "WEIGHTS_ENDPOINT must be an https URL with a host and optional port, got $WEIGHTS_ENDPOINT"; exit 2 ;;
esac
if [ "$WEIGHTS_FORMAT" != directory ]; then
  log "WEIGHTS_FORMAT must be directory (the engine loads a model directory), got $WEIGHTS_FORMAT; publish the directory with its weights.manifest (sovereign weights manifest DIR)"
  exit 2
fi
if [ -n "${CA_BUNDLE:-}" ] && [ ! -r "$CA_BUNDLE" ]; then
  log "CA_BUNDLE $CA_BUNDLE is not readable (mount the in-country CA ConfigMap)"
  exit 2
fi

base="$WEIGHTS_ENDPOINT/$WEIGHTS_BUCKET${WEIGHTS_PREFIX:+/$WEIGHTS_PREFIX}"
dest="$CACHE_DIR/$WEIGHTS_SHA256"
mkdir -p "$dest"

sha_of() { sha256sum "$1" | cut -d ' ' -f 1; }
size_of() { wc -c < "$1" | tr -d ' '; }

# curl with the kit's fixed options; extra arguments follow. Credentials reach curl on stdin,
# never argv, so they do not show in the process list.
s3() {
  set -- --fail --silent --show-error --proto =https --retry 5 --retry-connrefused \
    ${CA_BUNDLE:+--cacert "$CA_BUNDLE"} "$@"
  if [ -n "${AWS_ACCESS_KEY_ID:-}" ]; then
    printf 'user = "%s:%s"\n' "$AWS_ACCESS_KEY_ID" "${AWS_SECRET_ACCESS_KEY:-}" |
      curl --config - --aws-sigv4 "aws:amz:$S3_REGION:s3" "$@"
  else
    curl "$@"
  fi
}

# Size the store reports for an object (HEAD), so a wrong-sized object is refused unread.
remote_size() {
  s3 --head "$1" | tr -d '\r' | awk 'tolower($1) == "content-length:" { n = $2 } END { print n }'
}

# fetch URL TARGET SHA256 SIZE: leaves TARGET only if its bytes have that digest and size.
# A partial download from an earlier attempt is continued, not restarted.
fetch() {
  url="$1"; target="$2"; want="$3"; size="$4"
  if [ -f "$target" ] && [ "$(size_of "$target")" = "$size" ] && [ "$(sha_of "$target")" = "$want" ]; then
    return 0
  fi
  rm -f "$target"
  mkdir -p "$(dirname "$target")"
  part="$target.partial"
  have="$(remote_size "$url")"
  if [ "$have" != "$size" ]; then
    log "size mismatch for $url: manifest says $size bytes, the store has ${have:-none}; refusing to serve"
    return 1
  fi
  if [ -f "$part" ] && [ "$(size_of "$part")" -gt "$size" ]; then rm -f "$part"; fi
  if [ -f "$part" ] && [ "$(size_of "$part")" = "$size" ]; then
    :
  elif [ -f "$part" ]; then
    log "resuming $url at byte $(size_of "$part")"
    s3 --continue-at - --output "$part" "$url"
  else
    s3 --output "$part" "$url"
  fi
  got="$(sha_of "$part")"
  if [ "$got" != "$want" ]; then
    rm -f "$part"
    log "sha256 mismatch for $url: expected $want, got $got; refusing to serve"
    return 1
  fi
  mv -f "$part" "$target"
}

# The manifest itself is pinned by the profile; every line of it is checked before use.
manifest="$dest/$MANIFEST"
if ! fetch "$base/$MANIFEST" "$manifest" "$WEIGHTS_SHA256" "$(remote_size "$base/$MANIFEST")"; then exit 1; fi
listed="$dest/.listed"
: > "$listed"
count=0
while read -r sum size path; do
  case "$sum" in '#'*|'') continue ;; esac
  case "$sum" in *[!0-9a-f]*) log "manifest line for $path: bad sha256 $sum"; exit 1 ;; esac
  case "$size" in ''|*[!0-9]*) log "manifest line for $path: bad size $size"; exit 1 ;; esac
  case "/$path/" in
    *//*|*/../*|*/./*) log "manifest path $path is not a plain relative path"; exit 1 ;;
  esac
  case "$path" in *[!A-Za-z0-9._/-]*) log "manifest path $path has characters outside [A-Za-z0-9._/-]"; exit 1 ;; esac
  if ! fetch "$base/$path" "$dest/model/$path" "$sum" "$size"; then exit 1; fi
  printf '%s\n' "$dest/model/$path" >> "$listed"
  count=$((count + 1))
done < "$manifest"
if [ "$count" -eq 0 ]; then
  log "manifest $base/$MANIFEST lists no files"
  exit 1
fi
# Nothing the manifest does not list stays where the engine reads.
find "$dest/model" -type f | while read -r f; do
  grep -qxF "$f" "$listed" || { log "removing unlisted $f"; rm -f "$f"; }
done
log "verified $count files of $base against manifest sha256 $WEIGHTS_SHA256"
