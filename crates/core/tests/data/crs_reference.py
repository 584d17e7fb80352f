"""Reference coordinates for crates/core/tests/crs.rs, computed by pyproj (the oracle).

Run once, from the repository root, with grids and the network off so that PROJ picks the
same operation as quartier's bundled PROJ (which ships no grid files and has no network):

    PROJ_NETWORK=OFF .venv/bin/python crates/core/tests/data/crs_reference.py

The output is pasted into `REFERENCE` in crs.rs. The three town halls are given in WGS 84
(approximate positions, to some metres: they are inputs, not published values); their
coordinates in the other CRSs are what pyproj computes from them. For every ordered pair of
CRSs the expected value is pyproj's transformation of the source CRS's coordinates, so each
row tests exactly one operation. The operation pyproj used is printed as a comment: for DHDN
(EPSG:31467/31468) it is a Helmert transformation, not the BETA2007 grid (which would move the
result by up to about a metre).
"""

import os

import pyproj
from pyproj import Transformer

assert os.environ.get("PROJ_NETWORK") == "OFF", "run with PROJ_NETWORK=OFF"
pyproj.network.set_network_enabled(False)

POINTS = {
    # name: (lon, lat, CRSs tested besides 4326)
    "essen_rathaus": (7.01430, 51.45770, [25832, 31467, 3035]),
    "enger_rathaus": (8.55890, 52.13980, [25832, 31467, 3035]),
    "berlin_rotes_rathaus": (13.40861, 52.51861, [25833, 31468, 3035, 25832]),
}


def tf(src, dst):
    return Transformer.from_crs(f"EPSG:{src}", f"EPSG:{dst}", always_xy=True)


print(f"// pyproj {pyproj.__version__}, PROJ {pyproj.proj_version_str}, PROJ_NETWORK=OFF")
for name, (lon, lat, crss) in POINTS.items():
    coords = {4326: (lon, lat)}
    for c in crss:
        coords[c] = tf(4326, c).transform(lon, lat)
    codes = [4326] + crss
    for a in codes:
        for b in codes:
            if a == b:
                continue
            t = tf(a, b)
            x, y = t.transform(*coords[a])
            op = t.get_last_used_operation().description
            print(f"    // {op}")
            print(
                f'    ("{name}", {a}, {b}, {coords[a][0]!r}, {coords[a][1]!r}, {x!r}, {y!r}),'
            )
