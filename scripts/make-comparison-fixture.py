#!/usr/bin/env python3
"""Writes Tests/FEREvalTests/Fixtures/statsmodels-mcnemar.json: discordant counts (faces only model A
gets right, only model B) and statsmodels' exact McNemar p for each, from none to thousands of
discordant faces. ferdata's PairedComparison.mcnemarExact is held to them.

    python3 scripts/make-comparison-fixture.py      # needs statsmodels
"""
import json, os

import statsmodels
from statsmodels.stats.contingency_tables import mcnemar

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
pairs = [(0, 0), (0, 1), (1, 0), (3, 3), (5, 12), (12, 5), (0, 25), (40, 58), (100, 140), (512, 600), (2000, 2150), (3000, 3001)]
cases = []
for only_a, only_b in pairs:
    table = [[0, only_a], [only_b, 0]]
    cases.append({"onlyA": only_a, "onlyB": only_b, "p": float(mcnemar(table, exact=True).pvalue)})
path = os.path.join(ROOT, "Tests", "FEREvalTests", "Fixtures", "statsmodels-mcnemar.json")
with open(path, "w") as out:
    json.dump({"statsmodels": statsmodels.__version__, "cases": cases}, out, indent=1)
print(f"wrote {path}: {len(cases)} cases")
