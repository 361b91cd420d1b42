"""Object stimuli indexed by category × identity × location × viewing angle.

Two sources give the same arrays (`StimulusSet`):

- `render_stimuli`: a procedural set. Each category is a family of convex solids (box, pyramid,
  prism, bipyramid); an identity fixes the solid's proportions, number of sides and colour; the
  viewing angle rotates it about its vertical axis; the location puts it at one of
  `n_locations` points on a ring (for 4, the quadrant centres (±0.5, ±0.5) of the [-1, 1]
  screen). Solids are flat-shaded (Lambert) on black and anti-aliased by 2× supersampling.
- `load_stimulus_index`: real renderings (e.g. ShapeNet) listed in an index CSV with columns
  `file, category, identity, location, angle` (`file` relative to the CSV's folder; the other
  columns may be names or numbers). Categories, identities (numbered within each category),
  locations and angles are numbered in sorted order; images are converted to RGB and resized
  to `image_size` × `image_size`.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

CATEGORY_NAMES = ("box", "pyramid", "prism", "bipyramid")
PROPERTIES = ("category", "identity", "location", "angle")
INDEX_COLUMNS = ("file", *PROPERTIES)
LIGHT = np.array([-0.4, 0.6, 0.7]) / np.linalg.norm([-0.4, 0.6, 0.7])
PITCH = np.deg2rad(25.0)  # camera elevation, so that tops are visible
OBJECT_RADIUS = 0.45  # largest object half-extent, in [-1, 1] screen units


@dataclass
class StimulusSet:
    """Images `[stimulus, y, x, rgb]` (uint8) and each stimulus's integer properties."""

    images: np.ndarray
    category: np.ndarray
    identity: np.ndarray
    location: np.ndarray
    angle: np.ndarray
    category_names: np.ndarray

    def arrays(self) -> dict[str, np.ndarray]:
        """The numeric arrays (the category names are text: keep them as an attribute)."""
        return {"images": self.images, "category": self.category, "identity": self.identity,
                "location": self.location, "angle": self.angle}


def render_stimuli(n_categories: int = 4, n_identities: int = 5, n_locations: int = 4,
                   n_angles: int = 4, image_size: int = 64, seed: int = 0) -> StimulusSet:
    """Render the full grid of procedural stimuli (category-major), deterministic in `seed`."""
    if not 1 <= n_categories <= len(CATEGORY_NAMES):
        raise ValueError(f"n_categories must be 1..{len(CATEGORY_NAMES)}, got {n_categories}")
    rng = np.random.default_rng(seed)
    solids = [[_identity_solid(c, i, n_identities, rng) for i in range(n_identities)]
              for c in range(n_categories)]
    grid = np.stack(np.meshgrid(np.arange(n_categories), np.arange(n_identities),
                                np.arange(n_locations), np.arange(n_angles), indexing="ij"),
                    axis=-1).reshape(-1, 4)
    images = np.stack([
        _render(*solids[c][i], _location_centre(loc, n_locations),
                np.pi / 2 * a / n_angles + np.deg2rad(10), image_size)
        for c, i, loc, a in grid])
    return StimulusSet(images, *(grid[:, k].astype(np.int64) for k in range(4)),
                       category_names=np.array(CATEGORY_NAMES[:n_categories]))


def _location_centre(location: int, n_locations: int) -> np.ndarray:
    theta = np.pi / 4 + 2 * np.pi * location / n_locations
    return np.sqrt(0.5) * np.array([np.cos(theta), np.sin(theta)])


def _identity_solid(category: int, identity: int, n_identities: int,
                    rng: np.random.Generator) -> tuple[np.ndarray, list[np.ndarray], np.ndarray]:
    """Vertices, faces (vertex index arrays, counter-clockwise from outside) and RGB colour."""
    height = rng.uniform(0.7, 1.3)
    width, depth = rng.uniform(0.7, 1.0), rng.uniform(0.5, 1.0)
    if category == 0:        # box: a stretched square prism
        sides, rings = 4, [(-height / 2, 1.0), (height / 2, 1.0)]
    elif category == 1:      # pyramid with 3-6 sides
        sides, rings = 3 + identity % 4, [(-height / 2, 1.0), (height / 2, 0.0)]
    elif category == 2:      # prism with 5-9 sides, slightly tapered
        sides = 5 + identity % 5
        rings = [(-height / 2, 1.0), (height / 2, rng.uniform(0.6, 1.0))]
    else:                    # bipyramid with 3-6 sides, waist off centre
        sides, waist = 3 + identity % 4, rng.uniform(-0.12, 0.12) * height
        rings = [(-height / 2, 0.0), (waist, 1.0), (height / 2, 0.0)]
    vertices, faces = _rings_solid(sides, rings, width, depth)
    hue = (identity / n_identities + 0.07 * category) % 1.0
    colour = np.array(colorsys.hsv_to_rgb(hue, rng.uniform(0.55, 0.9), 1.0))
    return vertices, faces, colour


def _rings_solid(sides: int, rings: list[tuple[float, float]], width: float,
                 depth: float) -> tuple[np.ndarray, list[np.ndarray]]:
    """A convex solid from horizontal regular polygons (radius 0 = apex), stacked along y."""
    phi = 2 * np.pi * np.arange(sides) / sides + np.pi / sides
    vertices, ring_ids = [], []
    for y, r in rings:
        start = len(vertices)
        if r == 0:
            vertices.append((0.0, y, 0.0))
            ring_ids.append(np.full(sides, start))
        else:
            vertices.extend((width * r * np.cos(p), y, depth * r * np.sin(p)) for p in phi)
            ring_ids.append(start + np.arange(sides))
    faces = []
    for low, high in zip(ring_ids[:-1], ring_ids[1:]):
        for k in range(sides):
            k1 = (k + 1) % sides
            face = [low[k], high[k], high[k1], low[k1]]
            faces.append(np.array(list(dict.fromkeys(face))))  # apexes collapse quads to triangles
    for ids, outward_up in ((ring_ids[0], False), (ring_ids[-1], True)):
        if len(set(ids)) > 1:
            faces.append(ids[::-1] if outward_up else ids)
    vertices = np.array(vertices)
    centre = vertices.mean(axis=0)
    return vertices, [f if _outward(vertices, f, centre) else f[::-1] for f in faces]


def _outward(vertices: np.ndarray, face: np.ndarray, centre: np.ndarray) -> bool:
    p = vertices[face]
    normal = np.cross(p[1] - p[0], p[2] - p[0])
    return float(normal @ (p[0] - centre)) > 0


def _render(vertices: np.ndarray, faces: list[np.ndarray], colour: np.ndarray,
            centre: np.ndarray, yaw: float, image_size: int) -> np.ndarray:
    """Orthographic, back-face-culled, Lambert-shaded drawing of a convex solid (uint8 RGB)."""
    cy, sy, cp, sp = np.cos(yaw), np.sin(yaw), np.cos(PITCH), np.sin(PITCH)
    rot_yaw = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rot_pitch = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    scale = OBJECT_RADIUS / np.linalg.norm(vertices, axis=1).max()
    world = scale * vertices @ (rot_pitch @ rot_yaw).T
    size = 2 * image_size  # supersampled
    coords = (np.arange(size) + 0.5) / size * 2 - 1
    px, py = np.meshgrid(coords, -coords)
    canvas = np.zeros((size, size, 3))
    for face in faces:
        p = world[face]
        normal = np.cross(p[1] - p[0], p[2] - p[0])
        if normal[2] <= 0:
            continue
        shade = 0.25 + 0.75 * max(0.0, float(normal @ LIGHT) / np.linalg.norm(normal))
        xy = p[:, :2] + centre
        inside = np.ones_like(px, dtype=bool)
        for a, b in zip(xy, np.roll(xy, -1, axis=0)):
            inside &= (b[0] - a[0]) * (py - a[1]) - (b[1] - a[1]) * (px - a[0]) >= 0
        canvas[inside] = shade * colour
    image = canvas.reshape(image_size, 2, image_size, 2, 3).mean(axis=(1, 3))
    return np.round(255 * image).astype(np.uint8)


def load_stimulus_index(csv_path: str | Path, image_size: int) -> StimulusSet:
    """Real renderings listed in an index CSV (see the module docstring for its columns)."""
    from PIL import Image

    csv_path = Path(csv_path)
    table = pd.read_csv(csv_path)
    missing = [c for c in INDEX_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"{csv_path}: missing columns {missing}; expected {list(INDEX_COLUMNS)}")
    category_names = np.array(sorted(table["category"].astype(str).unique()))
    category = np.searchsorted(category_names, table["category"].astype(str))
    identity = table.groupby("category")["identity"].transform(_numbered)
    numbered = {col: _numbered(table[col]) for col in ("location", "angle")}
    images = []
    for name in table["file"]:
        with Image.open(csv_path.parent / name) as img:
            images.append(np.asarray(img.convert("RGB").resize((image_size, image_size))))
    return StimulusSet(np.stack(images).astype(np.uint8), category.astype(np.int64),
                       identity.to_numpy(np.int64), numbered["location"], numbered["angle"],
                       category_names)


def _numbered(column: pd.Series) -> np.ndarray:
    values = column.astype(str)
    return np.searchsorted(np.array(sorted(values.unique())), values).astype(np.int64)
