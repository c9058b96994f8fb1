#!/bin/sh
# Fetch the real pedestrian footage the vision tests, evaluation and benchmark run on:
# vtest.avi (768x576, 10 fps, 795 frames) from Debian's opencv-doc package
# (Apache-2.0 AND BSD-3-Clause). Idempotent: does nothing when the file is already there.
# Usage: containers/vision/fetch_footage.sh [destination dir]   (default .wandr/footage)
set -eu
DEST_DIR="${1:-.wandr/footage}"
DEST="$DEST_DIR/vtest.avi"
MEMBER=./usr/share/doc/opencv-doc/examples/data/vtest.avi
if [ -s "$DEST" ]; then
  echo "footage present: $DEST"
  exit 0
fi
mkdir -p "$DEST_DIR"
if [ -s /usr/share/doc/opencv-doc/examples/data/vtest.avi ]; then
  cp /usr/share/doc/opencv-doc/examples/data/vtest.avi "$DEST.tmp"
else
  WORK="$(mktemp -d)"
  trap 'rm -rf "$WORK"' EXIT
  (cd "$WORK" && apt-get download opencv-doc >/dev/null 2>&1)
  dpkg-deb --fsys-tarfile "$WORK"/opencv-doc_*.deb | tar -x -C "$WORK" "$MEMBER"
  mv "$WORK/$MEMBER" "$DEST.tmp"
fi
mv "$DEST.tmp" "$DEST"
echo "footage fetched: $DEST"
