"""Object stimuli indexed by category × identity × location × viewing angle.

Two sources give the same arrays (`StimulusSet`):

- `render_stimuli`: procedural 3-D objects. A category is a family of everyday objects built
  from parts (`taskdyn.tasks.families`: mugs, tables, lamps, vases for the N-back task, chairs,
  bottles, cars, trees to pretrain encoders on); an identity is one shape of its family
  (proportions, profiles, part counts, attachments), coloured from a palette shared by all
  families so that colour codes neither category nor identity. Each view is shaded (Lambert
  diffuse and Blinn-Phong highlight from a fixed directional light, plus ambient), drawn
  back-to-front with hidden faces culled, and anti-aliased by matplotlib's Agg rasteriser on
  black; the location puts it at one of `n_locations` points on a ring (for 4, the quadrant
  centres (±0.5, ±0.5) of the [-1, 1] screen), scaled so that all its views fit a quadrant.
- `load_stimulus_index`: real renderings (e.g. ShapeNet) listed in an index CSV with columns
  `file, category, identity, location, angle` (`file` relative to the CSV's folder; the other
  columns may be names or numbers). Categories, identities (numbered within each category),
  locations and angles are numbered in sorted order; images are converted to RGB and resized
  to `image_size` × `image_size`.

Viewing angles (`view_angles`): angle index a of n maps to t = a / (n − 1) (t = 0 for n = 1)
and to yaw = 15° + 90° t (turning the object about its vertical axis), pitch = 5° + 35° t
(tilting its top towards the viewer: seen from the side at first, then from above) and
roll = −15° + 30° t (turning the picture in the image plane), applied in that order. All three
grow with a, so the last angle lies beyond the others on every axis: holding it out tests
extrapolation to a new view, even for objects that look the same at every yaw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from taskdyn.tasks.families import FAMILIES, PRETRAIN_CATEGORIES, TASK_CATEGORIES
from taskdyn.tasks.identities import colour_schemes, designs
from taskdyn.tasks.meshes import Mesh, normals, rotation

__all__ = ["INDEX_COLUMNS", "PRETRAIN_CATEGORIES", "PROPERTIES", "TASK_CATEGORIES",
           "StimulusSet", "load_stimulus_index", "render_stimuli", "view_angles"]

PROPERTIES = ("category", "identity", "location", "angle")
INDEX_COLUMNS = ("file", *PROPERTIES)
VIEW_RANGE = np.array([[15.0, 5.0, -15.0], [105.0, 40.0, 15.0]])  # first, last (yaw, pitch, roll)
LIGHT = np.array([-0.5, 0.7, 0.6]) / np.linalg.norm([-0.5, 0.7, 0.6])  # from upper left, front
HALFWAY = (LIGHT + [0, 0, 1]) / np.linalg.norm(LIGHT + [0, 0, 1])  # Blinn-Phong, viewer at +z
AMBIENT, DIFFUSE, SPECULAR, SHININESS = 0.3, 0.7, 0.2, 24.0
FILL = 0.9  # the largest view of an object spans this fraction of its location's tile
SUPERSAMPLE = 3  # tiles are drawn aliased at this many times their size, then averaged down


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


def view_angles(n_angles: int) -> np.ndarray:
    """Yaw, pitch and roll in degrees `[angle, (yaw, pitch, roll)]` (module docstring)."""
    t = np.arange(n_angles) / max(n_angles - 1, 1)
    return VIEW_RANGE[0] + t[:, None] * (VIEW_RANGE[1] - VIEW_RANGE[0])


def render_stimuli(n_categories: int = 4, n_identities: int = 5, n_locations: int = 4,
                   n_angles: int = 4, image_size: int = 64, seed: int = 0,
                   categories: Sequence[str] | None = None) -> StimulusSet:
    """Render the full grid of procedural stimuli (category-major), deterministic in `seed`.

    `categories` names the families (e.g. `PRETRAIN_CATEGORIES`); without it the first
    `n_categories` of `TASK_CATEGORIES` are used (with it `n_categories` is ignored). A family
    keeps its identities whichever other families are rendered with it.
    """
    names = _category_names(n_categories, categories)
    tile = image_size // 2
    views = [_family_views(name, n_identities, n_angles, tile / image_size, tile, seed)
             for name in names]
    grid = np.stack(np.meshgrid(np.arange(len(names)), np.arange(n_identities),
                                np.arange(n_locations), np.arange(n_angles), indexing="ij"),
                    axis=-1).reshape(-1, 4)
    images = np.stack([_placed(views[c][i][a], _location_centre(loc, n_locations), image_size)
                       for c, i, loc, a in grid])
    return StimulusSet(images, *(grid[:, k].astype(np.int64) for k in range(4)),
                       category_names=np.array(names))


def _category_names(n_categories: int, categories: Sequence[str] | None) -> tuple[str, ...]:
    """The families to render, checked against the known ones."""
    if categories is None:
        if not 1 <= n_categories <= len(TASK_CATEGORIES):
            raise ValueError(f"n_categories must be 1..{len(TASK_CATEGORIES)}, got {n_categories}")
        return TASK_CATEGORIES[:n_categories]
    unknown = [name for name in categories if name not in FAMILIES]
    if unknown or len(categories) == 0:
        raise ValueError(f"unknown object families {unknown}; known: {list(FAMILIES)}")
    return tuple(categories)


def _family_views(name: str, n_identities: int, n_angles: int, tile_half: float, tile_px: int,
                  seed: int) -> list[list[np.ndarray]]:
    """Each identity's view at each angle `[identity][angle]`, drawn on a tile of `tile_px`
    pixels spanning ±`tile_half` screen units."""
    rng = np.random.default_rng([seed, list(FAMILIES).index(name)])
    shapes = [FAMILIES[name](design) for design in designs(n_identities, rng)]
    colours = colour_schemes(n_identities, rng)
    cameras = [_camera(*np.deg2rad(angles)) for angles in view_angles(n_angles)]
    return [_views(mesh, palette, cameras, FILL * tile_half, tile_half, tile_px)
            for mesh, palette in zip(shapes, colours)]


def _camera(yaw: float, pitch: float, roll: float) -> np.ndarray:
    """Object-to-camera rotation (radians): yaw about y, pitch about x, roll about the view axis."""
    return rotation("z", roll) @ rotation("x", pitch) @ rotation("y", yaw)


def _views(mesh: Mesh, palette: np.ndarray, cameras: list[np.ndarray], radius: float,
           tile_half: float, tile_px: int) -> list[np.ndarray]:
    """The object seen by each camera, centred, one scale for all views so that the widest
    fits within ±`radius`."""
    turned = [mesh.quads @ camera.T for camera in cameras]
    centres = [(q[..., :2].min(axis=(0, 1)) + q[..., :2].max(axis=(0, 1))) / 2 for q in turned]
    extent = max(np.abs(q[..., :2] - c).max() for q, c in zip(turned, centres))
    return [_drawn(q, c, radius / extent, palette[mesh.slot], tile_half, tile_px)
            for q, c in zip(turned, centres)]


def _shaded(unit_normals: np.ndarray, colour: np.ndarray) -> np.ndarray:
    """RGB in [0, 1] of faces with camera-space unit normals: ambient + Lambert + highlight."""
    diffuse = np.clip(unit_normals @ LIGHT, 0.0, None)[:, None]
    highlight = np.clip(unit_normals @ HALFWAY, 0.0, None)[:, None] ** SHININESS
    return np.clip(colour * (AMBIENT + DIFFUSE * diffuse) + SPECULAR * highlight, 0.0, 1.0)


def _drawn(quads: np.ndarray, centre: np.ndarray, scale: float, colour: np.ndarray,
           tile_half: float, tile_px: int) -> np.ndarray:
    """One view (camera-space quads) as a uint8 RGB tile: faces turned away from the viewer
    (+z) are dropped and the rest painted far to near."""
    facing = normals(quads)
    front = facing[:, 2] > 0
    order = np.argsort(quads[front, :, 2].mean(axis=1), kind="stable")
    unit = facing[front] / np.linalg.norm(facing[front], axis=1, keepdims=True)
    rgb = _shaded(unit, colour[front])[order]
    outline = scale * (quads[front][order][..., :2] - centre)
    return _rasterised(outline, rgb, tile_half, tile_px)


def _rasterised(polygons: np.ndarray, rgb: np.ndarray, half: float, size: int) -> np.ndarray:
    """Filled polygons `[polygon, corner, xy]` painted in order on a black `size`-pixel square
    spanning ±`half`. Agg draws them aliased (anti-aliased edges would leave seams between
    neighbouring faces) on a supersampled canvas, which is then averaged down."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PolyCollection
    from matplotlib.figure import Figure

    fine = size * SUPERSAMPLE
    figure = Figure(figsize=(1.0, 1.0), dpi=fine, facecolor="black")
    canvas = FigureCanvasAgg(figure)
    axes = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    axes.set_axis_off()
    axes.set_xlim(-half, half)
    axes.set_ylim(-half, half)
    axes.add_collection(PolyCollection(polygons, facecolors=rgb, edgecolors="none",
                                       antialiaseds=False))
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba())[..., :3].astype(np.float64)
    blocks = pixels.reshape(size, SUPERSAMPLE, size, SUPERSAMPLE, 3).mean(axis=(1, 3))
    return np.round(blocks).astype(np.uint8)


def _placed(tile: np.ndarray, centre: np.ndarray, image_size: int) -> np.ndarray:
    """A black `image_size` image with `tile` centred at screen point `centre` (clipped)."""
    image = np.zeros((image_size, image_size, 3), np.uint8)
    size = tile.shape[0]
    left = round((centre[0] + 1) / 2 * image_size - size / 2)
    top = round((1 - centre[1]) / 2 * image_size - size / 2)
    rows = slice(*np.clip([top, top + size], 0, image_size))
    cols = slice(*np.clip([left, left + size], 0, image_size))
    image[rows, cols] = tile[rows.start - top:rows.stop - top, cols.start - left:cols.stop - left]
    return image


def _location_centre(location: int, n_locations: int) -> np.ndarray:
    """Screen point (x, y) of a location: on a ring, the first at 45° (upper right)."""
    theta = np.pi / 4 + 2 * np.pi * location / n_locations
    return np.sqrt(0.5) * np.array([np.cos(theta), np.sin(theta)])


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
