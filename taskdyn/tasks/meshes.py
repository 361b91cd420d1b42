"""Quad meshes for the procedural stimuli: parts (solids of revolution, tubes, boxes) and moves.

A `Mesh` is a list of quads wound counter-clockwise seen from outside (so a quad's normal,
the cross product of its diagonals, points out of the solid), each with a colour slot that the
object's colour scheme fills in later. Triangles are quads with a repeated corner. Coordinates:
y is up, objects stand on y = 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SEGMENTS = 48  # quads around a solid of revolution
TUBE_SEGMENTS = 12  # quads around a tube (handles, stems)
MAX_EDGE = 0.08  # longest quad side along a profile or a box: depth sorting stays local
MIN_AREA = 1e-10  # quads smaller than this (collapsed at an axis) are dropped


@dataclass(frozen=True)
class Mesh:
    """Quads `[face, corner, xyz]` and each face's colour slot `[face]`."""

    quads: np.ndarray
    slot: np.ndarray


def normals(quads: np.ndarray) -> np.ndarray:
    """Unnormalised outward normals `[face, xyz]`: the cross product of each quad's diagonals."""
    return np.cross(quads[:, 2] - quads[:, 0], quads[:, 3] - quads[:, 1])


def merge(*meshes: Mesh) -> Mesh:
    """One mesh holding every quad of `meshes`."""
    return Mesh(np.concatenate([m.quads for m in meshes]),
                np.concatenate([m.slot for m in meshes]))


def moved(mesh: Mesh, rotation: np.ndarray | None = None,
          offset: tuple[float, float, float] = (0.0, 0.0, 0.0)) -> Mesh:
    """`mesh` rotated about the origin by the 3×3 `rotation`, then shifted by `offset`."""
    quads = mesh.quads if rotation is None else mesh.quads @ rotation.T
    return Mesh(quads + np.asarray(offset), mesh.slot)


def scaled(mesh: Mesh, factors: tuple[float, float, float]) -> Mesh:
    """`mesh` stretched along x, y, z (positive factors keep the winding)."""
    return Mesh(mesh.quads * np.asarray(factors), mesh.slot)


def leaning(mesh: Mesh, lean: tuple[float, float]) -> Mesh:
    """`mesh` sheared so that each point moves (x, z) by `lean` per unit of height: a column
    that leans while its ends stay level (a shear keeps the winding)."""
    quads = mesh.quads.copy()
    quads[..., [0, 2]] += quads[..., 1:2] * np.asarray(lean)
    return Mesh(quads, mesh.slot)


def rotation(axis: str, angle: float) -> np.ndarray:
    """The 3×3 right-handed rotation by `angle` radians about the x, y or z axis."""
    c, s = np.cos(angle), np.sin(angle)
    i, j = {"x": (1, 2), "y": (2, 0), "z": (0, 1)}[axis]
    matrix = np.eye(3)
    matrix[i, i], matrix[i, j], matrix[j, i], matrix[j, j] = c, -s, s, c
    return matrix


def grid(points: np.ndarray, slot: int) -> Mesh:
    """Quads between neighbouring rows and columns of a `[u, v, xyz]` grid of points.

    The quad at (u, v) runs (u, v) → (u, v+1) → (u+1, v+1) → (u+1, v): counter-clockwise seen
    from the side that u × v points to.
    """
    quads = np.stack([points[:-1, :-1], points[:-1, 1:], points[1:, 1:], points[1:, :-1]], axis=2)
    quads = quads.reshape(-1, 4, 3)
    keep = np.linalg.norm(normals(quads), axis=1) > MIN_AREA
    return Mesh(quads[keep], np.full(int(keep.sum()), slot))


def lathe(radius: np.ndarray, height: np.ndarray, slot: int) -> Mesh:
    """The surface swept by the profile (radius, height) turning about the y axis.

    Walking the profile from bottom to top with the solid on the axis side gives an outward
    surface; walking it the other way gives an inward one (the inside of a cup).
    """
    phi = np.linspace(0.0, 2 * np.pi, SEGMENTS + 1)
    profile = _densified(np.stack([radius, height], axis=1).astype(float))
    radius, height = profile[:, :1], profile[:, 1:]
    points = np.stack([radius * np.sin(phi), np.broadcast_to(height, (len(height), len(phi))),
                       radius * np.cos(phi)], axis=-1)
    return grid(points, slot)


def _densified(points: np.ndarray) -> np.ndarray:
    """The polyline `[point, coordinate]` with points added so that no step exceeds MAX_EDGE."""
    steps = np.ceil(np.linalg.norm(np.diff(points, axis=0), axis=1) / MAX_EDGE).astype(int)
    pieces = [a + np.linspace(0.0, 1.0, n, endpoint=False)[:, None] * (b - a)
              for a, b, n in zip(points[:-1], points[1:], np.maximum(steps, 1))]
    return np.concatenate([*pieces, points[-1:]])


def cylinder(radius: float, bottom: float, top: float, slot: int,
             top_radius: float | None = None) -> Mesh:
    """A closed (optionally tapered) cylinder about the y axis."""
    top_radius = radius if top_radius is None else top_radius
    return lathe(np.array([0.0, radius, top_radius, 0.0]), np.array([bottom, bottom, top, top]),
                 slot)


def sphere(radius: float, centre: tuple[float, float, float], slot: int,
           stretch: tuple[float, float, float] = (1.0, 1.0, 1.0)) -> Mesh:
    """A sphere (an ellipsoid where `stretch` is not all ones) around `centre`."""
    theta = np.linspace(-np.pi / 2, np.pi / 2, SEGMENTS // 2 + 1)
    ball = lathe(radius * np.cos(theta), radius * np.sin(theta), slot)
    return moved(scaled(ball, stretch), offset=centre)


def rod(start: np.ndarray, end: np.ndarray, radius: float, slot: int,
        end_radius: float | None = None) -> Mesh:
    """A closed cylinder from point `start` to point `end` (a leg, an arm, an axle)."""
    start, end = np.asarray(start, float), np.asarray(end, float)
    axis = end - start
    length = float(np.linalg.norm(axis))
    return moved(cylinder(radius, 0.0, length, slot, end_radius), _turning(axis / length),
                 tuple(start))


def _turning(direction: np.ndarray) -> np.ndarray:
    """The rotation taking the y axis onto the unit vector `direction` (Rodrigues' formula)."""
    up = np.array([0.0, 1.0, 0.0])
    cross, cos = np.cross(up, direction), float(up @ direction)
    if np.linalg.norm(cross) < 1e-12:
        return np.eye(3) if cos > 0 else rotation("x", np.pi)
    k = np.array([[0, -cross[2], cross[1]], [cross[2], 0, -cross[0]], [-cross[1], cross[0], 0]])
    return np.eye(3) + k + k @ k / (1 + cos)


def tube(path: np.ndarray, radius: float, slot: int) -> Mesh:
    """A tube of circular section swept along the points `path` `[point, xyz]` (open ends)."""
    tangent = np.gradient(path, axis=0)
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    normal = [np.cross(tangent[0], _least_aligned(tangent[0]))]
    for t in tangent[1:]:  # parallel transport: the frame turns no more than the path
        n = normal[-1] - (normal[-1] @ t) * t
        normal.append(n)
    normal = np.array(normal) / np.linalg.norm(normal, axis=1, keepdims=True)
    binormal = np.cross(tangent, normal)
    phi = np.linspace(0.0, 2 * np.pi, TUBE_SEGMENTS + 1)[None, :, None]
    ring = np.cos(phi) * normal[:, None] + np.sin(phi) * binormal[:, None]
    return grid(path[:, None] + radius * ring, slot)


def _least_aligned(vector: np.ndarray) -> np.ndarray:
    """The coordinate axis most nearly perpendicular to `vector`."""
    return np.eye(3)[int(np.argmin(np.abs(vector)))]


# Corners of a hexahedron are numbered 4x + 2y + z for x, y, z in {0, 1} (0 = low side); each
# face lists its corners counter-clockwise seen from outside.
_FACES = ((0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3))


def hexahedron(corners: np.ndarray, slot: int) -> Mesh:
    """A solid with six four-sided faces (a box, a wedge, a car's cabin) from its 8 corners,
    each face split into quads no longer than MAX_EDGE."""
    faces = []
    for a, b, c, d in _FACES:  # bilinear patch: a → b along v, a → d along u
        p = corners[[a, b, c, d]]
        u = np.linspace(0.0, 1.0, _pieces(p[3] - p[0], p[2] - p[1]) + 1)[:, None, None]
        v = np.linspace(0.0, 1.0, _pieces(p[1] - p[0], p[2] - p[3]) + 1)[None, :, None]
        faces.append(grid((1 - u) * ((1 - v) * p[0] + v * p[1]) + u * ((1 - v) * p[3] + v * p[2]),
                          slot))
    return merge(*faces)


def _pieces(*edges: np.ndarray) -> int:
    """How many quads split a face along a direction so that none of `edges` (the face's
    sides in that direction) is cut into pieces longer than MAX_EDGE."""
    return max(1, int(np.ceil(max(np.linalg.norm(e) for e in edges) / MAX_EDGE)))


def box(low: tuple[float, float, float], high: tuple[float, float, float], slot: int) -> Mesh:
    """An axis-aligned box between corners `low` and `high`."""
    bits = np.array([[x, y, z] for x in (0, 1) for y in (0, 1) for z in (0, 1)])
    low, high = np.asarray(low, float), np.asarray(high, float)
    return hexahedron(low + bits * (high - low), slot)
