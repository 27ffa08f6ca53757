#!/usr/bin/env bash
# Situation-map page load with all real DS4C + coronamap visits (headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/../.."
.venv/bin/python bench/situation/map_load.py "$@"
