#!/usr/bin/env bash
# Shell helpers shared by the scripts; sourced, not run.

# Unmounts whatever is still mounted below $1 (an interrupted Swift run leaves /proc, /dev and the
# repository bound inside the root), deepest first, so that removing the root never reaches them.
unmount_below() {
  awk -v root="$1/" 'index($2, root) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m"
  done
}
