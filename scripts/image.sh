#!/bin/sh
# Builds the Flint node image: a static binary first (CGO_ENABLED=0, so it
# runs in an image with no C library), then the FROM scratch image.
#
#     scripts/image.sh [TAG]      (default tag: flint:local)
set -eu
cd "$(dirname "$0")/.."
tag=${1:-flint:local}
rm -rf build/image
mkdir -p build/image/data/p2p
CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -o build/image/flint ./cmd/flint
docker build --quiet --tag "$tag" . >/dev/null
echo "built $tag"
