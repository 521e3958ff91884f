#!/usr/bin/env bash
# Lint: ESLint over every project in one process (type-aware rules build one TypeScript project
# service for all of them; each file still gets its project's eslint.config.mjs), then Prettier's
# check of the TypeScript sources and of tools/bench's specs (project bench-tools; its older
# scripts are not all Prettier-clean). eslint-config-prettier switches ESLint's formatting rules
# off, so without the second step nothing notices a file that drifted from .prettierrc.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
node_modules/.bin/eslint --flag v10_config_lookup_from_file apps libs tools/bench
node_modules/.bin/prettier --check --log-level warn "apps/**/*.ts" "libs/**/*.ts" "tools/bench/*.spec.js"
