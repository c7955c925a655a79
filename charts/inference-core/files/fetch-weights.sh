#!/bin/sh
# Puts the model weights into the cache volume and proves they are the ones the country profile
# pins (sha256) before the server container may start. Any mismatch exits non-zero, so the pod
# never serves unverified weights. Needs: sh, curl (>= 7.75 for SigV4), sha256sum, tar.
#
# Env: WEIGHTS_URI (s3://host/path | https://host/path), WEIGHTS_SHA256, CACHE_DIR,
#      WEIGHTS_FORMAT (file | tar), S3_REGION, optional AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
set -eu

: "${WEIGHTS_URI:?WEIGHTS_URI is required}"
: "${WEIGHTS_SHA256:?WEIGHTS_SHA256 is required}"
: "${CACHE_DIR:?CACHE_DIR is required}"
WEIGHTS_FORMAT="${WEIGHTS_FORMAT:-file}"
S3_REGION="${S3_REGION:-us-east-1}"

log() { printf 'fetch-weights: %s\n' "$*" >&2; }

case "$WEIGHTS_SHA256" in
  *[!0-9a-f]*) log "WEIGHTS_SHA256 is not lowercase hex: $WEIGHTS_SHA256"; exit 2 ;;
esac
if [ "${#WEIGHTS_SHA256}" -ne 64 ]; then
  log "WEIGHTS_SHA256 must be 64 hex characters, got ${#WEIGHTS_SHA256}"
  exit 2
fi

# s3://host/path is read path-style over HTTPS from the in-country object store.
case "$WEIGHTS_URI" in
  s3://*) url="https://${WEIGHTS_URI#s3://}" ;;
  https://*) url="$WEIGHTS_URI" ;;
  *) log "unsupported URI scheme in $WEIGHTS_URI (use s3:// or https://)"; exit 2 ;;
esac

dest="$CACHE_DIR/$WEIGHTS_SHA256"
file="$dest/weights"
mkdir -p "$dest"

sha_of() { sha256sum "$1" | cut -d ' ' -f 1; }

# The cache may be shared or reused: whatever is there is verified again, never trusted.
if [ -f "$file" ] && [ "$(sha_of "$file")" = "$WEIGHTS_SHA256" ]; then
  log "cache hit: $file matches sha256 $WEIGHTS_SHA256"
else
  tmp="$dest/.weights.$$.partial"
  trap 'rm -f "$tmp"' EXIT
  log "downloading $url"
  if [ -n "${AWS_ACCESS_KEY_ID:-}" ]; then
    # Credentials go through stdin, not argv, so they never show in the process list.
    printf 'user = "%s:%s"\n' "$AWS_ACCESS_KEY_ID" "${AWS_SECRET_ACCESS_KEY:-}" |
      curl --config - --fail --silent --show-error --location --proto =https \
        --retry 5 --retry-connrefused --aws-sigv4 "aws:amz:$S3_REGION:s3" --output "$tmp" "$url"
  else
    curl --fail --silent --show-error --location --proto =https \
      --retry 5 --retry-connrefused --output "$tmp" "$url"
  fi
  actual="$(sha_of "$tmp")"
  if [ "$actual" != "$WEIGHTS_SHA256" ]; then
    log "sha256 mismatch for $url: expected $WEIGHTS_SHA256, got $actual; refusing to serve"
    exit 1
  fi
  mv -f "$tmp" "$file"
  trap - EXIT
  log "verified $file (sha256 $WEIGHTS_SHA256)"
fi

if [ "$WEIGHTS_FORMAT" = "tar" ]; then
  # Unpacked fresh from the verified archive on every start, so the tree matches the digest.
  rm -rf "$dest/model" "$dest/.model.partial"
  mkdir -p "$dest/.model.partial"
  tar -x -f "$file" -C "$dest/.model.partial" --no-same-owner
  mv "$dest/.model.partial" "$dest/model"
  log "unpacked into $dest/model"
fi
