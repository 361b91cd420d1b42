"""Everyday objects as parametric part-based meshes, one builder per family.

`TASK_CATEGORIES` (mug, table, lamp, vase) are the N-back task's families; the disjoint
`PRETRAIN_CATEGORIES` (chair, bottle, car, tree) give images to pretrain an encoder on. Each
builder turns a `Design` (`taskdyn.tasks.identities`) into a `Mesh` standing on y = 0, varying
proportions, profiles, part counts and attachments, with colour slots for the identity's
colour scheme.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy.interpolate import PchipInterpolator

from taskdyn.tasks.identities import BARK, DARK, GLASS, LEAF, PRIMARY, SECONDARY, Design
from taskdyn.tasks.meshes import (
    SEGMENTS,
    Mesh,
    box,
    cylinder,
    hexahedron,
    lathe,
    leaning,
    merge,
    moved,
    rod,
    rotation,
    scaled,
    sphere,
    tube,
)

WALL = 0.04  # wall thickness of open vessels (mugs, vases)


def _profile(heights: Sequence[float], radii: Sequence[float]) -> PchipInterpolator:
    """A smooth radius-of-height profile through the given points, without overshoot."""
    return PchipInterpolator(np.asarray(heights), np.asarray(radii))


def _vessel(profile: PchipInterpolator, height: float, floor: float, slot_inside: int,
            samples: int = 16) -> Mesh:
    """An open vessel of revolution: outside, rim and (in `slot_inside`) the inside wall."""
    y = np.linspace(0.0, height, samples)
    inner_y = np.linspace(height, floor, samples)
    inner_r = np.maximum(profile(inner_y) - WALL, WALL)
    outside = lathe(np.concatenate([[0.0], profile(y), [inner_r[0]]]),
                    np.concatenate([[0.0], y, [height]]), PRIMARY)
    inside = lathe(np.concatenate([inner_r, [0.0]]), np.concatenate([inner_y, [floor]]),
                   slot_inside)
    return merge(outside, inside)


def _handle(profile: PchipInterpolator, low: float, high: float, reach: float,
            squareness: float, thickness: float, slot: int) -> Mesh:
    """A loop handle on the +x side of a vessel between heights `low` and `high`; its section
    is a half superellipse (`squareness` 2 = round, larger = squarer)."""
    theta = np.linspace(-np.pi / 2, np.pi / 2, 20)
    c, s = np.cos(theta), np.sin(theta)
    y = (low + high) / 2 + (high - low) / 2 * np.sign(s) * np.abs(s) ** (2 / squareness)
    x = profile(y) - WALL + reach * np.abs(c) ** (2 / squareness)
    return tube(np.stack([x, y, np.zeros_like(y)], axis=1), thickness, slot)


def _turned(mesh: Mesh, copies: int) -> Mesh:
    """`copies` copies of `mesh` spread evenly about the y axis."""
    return merge(*(moved(mesh, rotation("y", 2 * np.pi * k / copies)) for k in range(copies)))


def mug(d: Design) -> Mesh:
    """A mug or cup: tall or squat, flaring, tapering or bellied body, open top; none, one or
    two loop handles, round to square, small to large."""
    height, bottom, top = d.uniform(0.45, 1.6), d.uniform(0.28, 0.5), d.uniform(0.3, 0.7)
    belly, handles, squareness = (d.uniform(-0.08, 0.16), d.choice((0, 1, 1, 2)),
                                  d.uniform(2.0, 6.0))
    span, reach, thickness = d.uniform(0.3, 0.8), d.uniform(0.12, 0.4), d.uniform(0.03, 0.07)
    t = np.linspace(0.0, 1.0, 9)
    profile = _profile(height * t, bottom + (top - bottom) * t + belly * np.sin(np.pi * t))
    body = _vessel(profile, height, 0.1 * height, SECONDARY)
    if not handles:
        return body
    centre, half = 0.5 * height, span * (0.5 * height - thickness)  # clear of the base
    handle = _handle(profile, centre - half, centre + half, reach, squareness, thickness, PRIMARY)
    return merge(body, _turned(handle, handles))


def vase(d: Design) -> Mesh:
    """A vase: profile through foot, belly, neck and lip; an optional pedestal and ear handles."""
    height, foot, belly, belly_at = (d.uniform(0.9, 1.8), d.uniform(0.15, 0.35),
                                     d.uniform(0.3, 0.5), d.uniform(0.25, 0.55))
    neck, neck_at, flare = d.uniform(0.08, 0.22), d.uniform(0.7, 0.88), d.uniform(1.0, 1.9)
    pedestal, handles = d.choice((False, True)), d.choice((0, 0, 2))
    heights, radii = [0.0, belly_at, neck_at, 1.0], [foot, belly, neck, neck * flare]
    if pedestal:
        heights, radii = [0.0, 0.04, 0.12, *heights[1:]], [foot, foot, 0.5 * foot, *radii[1:]]
    profile = _profile(height * np.array(heights), radii)
    body = _vessel(profile, height, 0.15 * height, SECONDARY, samples=24)
    if not handles:
        return body
    shoulder = height * (belly_at + 2 * neck_at) / 3
    handle = _handle(profile, shoulder, height * (neck_at + 1) / 2, 0.12, 3.0, 0.03, PRIMARY)
    return merge(body, _turned(handle, handles))


def _leg(foot: np.ndarray, top: np.ndarray, half: float, square: bool, slot: int) -> Mesh:
    """A straight leg from `foot` to the higher `top`, round or square (half-width `half`),
    its ends level whatever its slant: flat on the floor, flush under a top."""
    if not square:
        lean = (top - foot) / (top[1] - foot[1])
        column = leaning(cylinder(half, 0.0, top[1] - foot[1], slot), (lean[0], lean[2]))
        return moved(column, offset=tuple(foot))
    bits = np.array([[x, z] for x in (-1, 1) for z in (-1, 1)]) * half
    corners = [end + np.array([b[0], 0.0, b[1]]) for end in (foot, top) for b in bits]
    return hexahedron(np.array(corners)[[0, 1, 4, 5, 2, 3, 6, 7]], slot)


def table(d: Design) -> Mesh:
    """A table: round, square, long or oval top on four or three legs, a pedestal or two
    panels; legs round or square, upright or splayed; an optional lower shelf."""
    shape, height, thickness = (d.choice(("round", "square", "long", "oval")),
                                d.uniform(0.3, 1.0), d.uniform(0.03, 0.09))
    support, leg, splay = (d.choice(("four", "three", "pedestal", "panels")),
                           d.uniform(0.02, 0.05), d.uniform(0.0, 0.3))
    inset, square, shelf, depth = (d.uniform(0.08, 0.2), d.choice((False, True)),
                                   d.choice((False, True)), d.uniform(0.45, 0.7))
    half = np.array([0.5, 0.5 if shape in ("round", "square") else depth / 2])
    under = height - thickness
    round_top = shape in ("round", "oval")
    parts = [_slab_top(half, under, height, round_top, PRIMARY)]
    if support in ("four", "three"):
        for spot in (1 - inset) * half * _leg_directions(support == "four", round_top):
            foot = spot * (1 + splay)
            parts.append(_leg(np.array([foot[0], 0.0, foot[1]]),
                              np.array([spot[0], under, spot[1]]), leg, square, SECONDARY))
    elif support == "pedestal":
        base = scaled(cylinder(1.0, 0.0, 2 * leg, SECONDARY),
                      ((1 - inset) * half[0], 1.0, (1 - inset) * half[1]))
        parts += [cylinder(2.5 * leg, 0.0, under, SECONDARY), base]
    else:
        x, z = (1 - inset) * half
        parts += [box((s * x - leg, 0.0, -z), (s * x + leg, under, z), SECONDARY) for s in (-1, 1)]
    if shelf:
        parts.append(_slab_top((1 - 2 * inset) * half, 0.3 * under, 0.3 * under + thickness,
                               round_top, PRIMARY))
    return merge(*parts)


def _slab_top(half: np.ndarray, bottom: float, top: float, round_top: bool, slot: int) -> Mesh:
    """A flat top between heights `bottom` and `top`: an oval or a rectangle with half-extents
    `half` (x, z)."""
    if round_top:
        return scaled(cylinder(1.0, bottom, top, slot), (half[0], 1.0, half[1]))
    return box((-half[0], bottom, -half[1]), (half[0], top, half[1]), slot)


def _leg_directions(four: bool, round_top: bool) -> np.ndarray:
    """Where a table's legs stand, `[leg, (x, z)]` in units of the top's half-extents: on the
    corners of a square top, on the rim of a round one."""
    if four and not round_top:
        return np.array([[x, z] for x in (-1, 1) for z in (-1, 1)], float)
    phi = np.pi / 4 + np.pi / 2 * np.arange(4) if four else np.pi / 2 + 2 * np.pi / 3 * np.arange(3)
    return np.stack([np.cos(phi), np.sin(phi)], axis=1)


def lamp(d: Design) -> Mesh:
    """A lamp: disc, dome or block base; straight, bent (desk) or arched stem; cone, drum or
    dome shade hanging from the stem's end."""
    base_kind, base, stem_kind = (d.choice(("disc", "dome", "block")), d.uniform(0.15, 0.3),
                                  d.choice(("straight", "bent", "arc")))
    height, reach, stem = d.uniform(0.5, 1.1), d.uniform(0.2, 0.45), d.uniform(0.015, 0.03)
    shade_kind, shade, depth = (d.choice(("cone", "drum", "dome")), d.uniform(0.14, 0.3),
                                d.uniform(0.6, 1.2))
    if base_kind == "disc":
        foot = cylinder(base, 0.0, 0.05, SECONDARY)
    elif base_kind == "dome":
        theta = np.linspace(0.0, np.pi / 2, SEGMENTS // 4 + 1)
        foot = lathe(np.concatenate([[0.0], base * np.cos(theta)]),
                     np.concatenate([[0.0], 0.4 * base * np.sin(theta)]), SECONDARY)
    else:
        foot = box((-base, 0.0, -base), (base, 0.12, base), SECONDARY)
    path, tilt = _stem_path(stem_kind, height, reach)
    path = path + [0.0, stem, 0.0]  # a slanted start sinks no deeper than the stem's radius
    hood = _shade(shade_kind, shade, depth * shade)
    return merge(foot, tube(path, stem, SECONDARY),
                 moved(hood, rotation("z", tilt), tuple(path[-1])))


def _stem_path(kind: str, height: float, reach: float) -> tuple[np.ndarray, float]:
    """Points along a lamp's stem in the x-y plane, and how far (radians) its shade tilts
    towards +x: a desk lamp's shade looks forward and down, others hang straight."""
    t = np.linspace(0.0, 1.0, 16)[:, None]
    if kind == "straight":
        return t * [0.0, height, 0.0], 0.0
    if kind == "bent":
        elbow = np.array([-0.3 * reach, 0.6 * height, 0.0])
        path = np.concatenate([t * elbow, elbow + t[1:] * ([reach, height, 0.0] - elbow)])
        return path, np.pi / 5
    arc = np.pi / 2 * t[:, 0]  # rises, then bends over towards +x
    rise = 0.6 * height
    path = np.stack([reach * (1 - np.cos(arc)), rise + (height - rise) * np.sin(arc),
                     np.zeros_like(arc)], axis=1)
    return np.concatenate([t[:-1] * [0.0, rise, 0.0], path]), 0.0


def _shade(kind: str, radius: float, depth: float) -> Mesh:
    """A lamp shade hanging below the origin, its wide opening at the bottom (closed solid)."""
    if kind == "dome":
        theta = np.linspace(0.0, np.pi / 2, SEGMENTS // 4 + 1)
        return lathe(np.concatenate([[0.0], radius * np.cos(theta)]),
                     np.concatenate([[-depth], -depth + depth * np.sin(theta)]), PRIMARY)
    top = 0.5 * radius if kind == "cone" else radius
    return cylinder(radius, -depth, 0.0, PRIMARY, top_radius=top)


def chair(d: Design) -> Mesh:
    """A chair or stool: seat on four legs or a five-footed pedestal; a panel, slatted or
    spindle back, or none; optional arms. It faces +z."""
    width, depth, seat, thickness = (d.uniform(0.4, 0.6), d.uniform(0.4, 0.6),
                                     d.uniform(0.35, 0.55), d.uniform(0.04, 0.08))
    back_kind, back, lean = (d.choice(("panel", "slats", "spindles", "none")),
                             d.uniform(0.3, 0.6), d.uniform(0.0, 0.25))
    base, leg, arms, square = (d.choice(("legs", "legs", "pedestal")), d.uniform(0.02, 0.04),
                               d.choice((False, True)), d.choice((False, True)))
    x, z, under = width / 2, depth / 2, seat - thickness
    parts = [box((-x, under, -z), (x, seat, z), PRIMARY),
             _chair_base(base, x - leg, z - leg, under, leg, square)]
    if back_kind != "none":
        parts.append(moved(_chair_back(back_kind, x, back, leg), rotation("x", -lean),
                           (0.0, seat, -z + leg)))
    if arms:
        rest = seat + 0.5 * back
        parts += [rod(np.array([s * x, rest, -z]), np.array([s * x, rest, z]), leg, SECONDARY)
                  for s in (-1, 1)]
        parts += [rod(np.array([s * x, seat, z - leg]), np.array([s * x, rest, z - leg]), leg,
                      SECONDARY) for s in (-1, 1)]
    return merge(*parts)


def _chair_base(kind: str, x: float, z: float, under: float, leg: float, square: bool) -> Mesh:
    """Four legs at (±x, ±z) up to the seat's underside, or a column on five feet."""
    if kind == "legs":
        return merge(*(_leg(np.array([sx * x, 0.0, sz * z]), np.array([sx * x, under, sz * z]),
                            leg, square, SECONDARY) for sx in (-1, 1) for sz in (-1, 1)))
    phi = np.pi / 2 + 2 * np.pi * np.arange(5) / 5
    tips = np.stack([max(x, z) * np.cos(phi), np.full(5, leg), max(x, z) * np.sin(phi)], axis=1)
    return merge(cylinder(1.5 * leg, 0.0, under, SECONDARY),
                 *(rod(np.array([0.0, 2 * leg, 0.0]), tip, leg, SECONDARY) for tip in tips))


def _chair_back(kind: str, half_width: float, height: float, bar: float) -> Mesh:
    """A chair back standing on the origin in the x-y plane: a panel, or slats or spindles
    under a top rail."""
    if kind == "panel":
        return box((-half_width, 0.0, -bar), (half_width, height, bar), PRIMARY)
    rail = box((-half_width, 0.8 * height, -bar), (half_width, height, bar), PRIMARY)
    if kind == "slats":
        xs = np.linspace(-half_width + bar, half_width - bar, 3)
        return merge(rail, *(box((x - 2 * bar, 0.0, -bar / 2), (x + 2 * bar, height, bar / 2),
                                 PRIMARY) for x in xs))
    xs = np.linspace(-half_width + bar, half_width - bar, 5)
    return merge(rail, *(rod(np.array([x, 0.0, 0.0]), np.array([x, height, 0.0]), bar / 2,
                             SECONDARY) for x in xs))


def bottle(d: Design) -> Mesh:
    """A bottle or jug: body, shoulder and neck of varying lengths, capped; round or flattened
    (a flask); an optional handle."""
    height, body, shoulder = d.uniform(1.0, 2.0), d.uniform(0.25, 0.6), d.uniform(0.08, 0.25)
    radius, neck, cap = d.uniform(0.25, 0.4), d.uniform(0.06, 0.14), d.uniform(0.04, 0.1)
    flat, handle, waist = (d.choice((1.0, 1.0, 0.55)), d.choice((False, False, True)),
                           d.uniform(0.8, 1.05))
    heights = height * np.array([0.0, 0.5 * body, body, body + shoulder, 1.0 - cap])
    profile = _profile(heights, [radius, waist * radius, radius, neck, neck])
    y = np.linspace(0.0, heights[-1], 20)
    parts = [lathe(np.concatenate([[0.0], profile(y), [0.0]]),
                   np.concatenate([[0.0], y, [y[-1]]]), PRIMARY),
             cylinder(1.2 * neck, heights[-1], height, SECONDARY)]
    if handle:
        parts.append(_handle(profile, 0.5 * heights[2], heights[3], 0.15, 3.0, 0.035, PRIMARY))
    return scaled(merge(*parts), (1.0, 1.0, flat))


def car(d: Design) -> Mesh:
    """A car along x: a body with sloped nose and tail, a glass cabin under a roof (long or
    short, forward or back: saloon, hatchback, van, pickup), four wheels."""
    width, body, wheel = d.uniform(0.3, 0.55), d.uniform(0.08, 0.24), d.uniform(0.07, 0.15)
    cabin, cabin_at, cabin_height = (d.uniform(0.2, 0.8), d.uniform(-0.25, 0.15),
                                     d.uniform(0.08, 0.28))
    nose, rake = d.uniform(0.0, 0.15), d.uniform(0.02, 0.18)
    floor = 0.6 * wheel
    top = floor + body
    cabin_top = top + cabin_height
    front, back = min(cabin_at + cabin / 2, 0.5 - nose), max(cabin_at - cabin / 2, -0.5)
    centre, half = (front + back) / 2, (front - back) / 2
    rake = min(rake, half / 2)  # a short cabin keeps a flat roof
    chassis = _slab(0.5, nose, floor, top, width / 2, PRIMARY)
    glass = _slab(half, rake, top, cabin_top, 0.45 * width, GLASS)
    roof = _slab(half - rake, 0.0, cabin_top, cabin_top + 0.1 * cabin_height, 0.46 * width,
                 PRIMARY)
    wheels = [moved(cylinder(wheel, -0.05, 0.05, DARK), rotation("x", np.pi / 2),
                    (sx * (0.5 - 1.6 * wheel), wheel, sz * width / 2))
              for sx in (-1, 1) for sz in (-1, 1)]
    return merge(chassis, moved(merge(glass, roof), offset=(centre, 0.0, 0.0)), *wheels)


def _slab(half_length: float, slope: float, bottom: float, top: float, half_width: float,
          slot: int) -> Mesh:
    """A box along x whose top is shorter than its bottom by `slope` at either end."""
    bits = np.array([[x, y, z] for x in (-1, 1) for y in (0, 1) for z in (-1, 1)], float)
    length = half_length - slope * bits[:, 1]
    corners = np.stack([bits[:, 0] * length, bottom + (top - bottom) * bits[:, 1],
                        bits[:, 2] * half_width], axis=1)
    return hexahedron(corners, slot)


def tree(d: Design) -> Mesh:
    """A tree: tapered trunk under a round, conical, tiered or clustered crown."""
    trunk, girth = d.uniform(0.25, 0.7), d.uniform(0.035, 0.08)
    crown_kind, crown, crown_height = (d.choice(("round", "cone", "tiers", "clusters")),
                                       d.uniform(0.3, 0.55), d.uniform(0.5, 1.3))
    n_parts, phase = d.choice((2, 3, 4, 5)), d.uniform(0.0, 2 * np.pi)
    parts = [cylinder(girth, 0.0, trunk + 0.2 * crown_height, BARK, top_radius=0.6 * girth)]
    if crown_kind == "round":
        parts.append(sphere(crown, (0.0, trunk + crown_height / 2, 0.0), LEAF,
                            (1.0, crown_height / (2 * crown), 1.0)))
    elif crown_kind == "cone":
        parts.append(cylinder(crown, trunk, trunk + crown_height, LEAF, top_radius=0.0))
    elif crown_kind == "tiers":
        step = crown_height / (n_parts + 1)
        parts += [cylinder(crown * (1 - k / (n_parts + 1)), trunk + k * step,
                           trunk + (k + 2) * step, LEAF, top_radius=0.0) for k in range(n_parts)]
    else:
        angles = phase + 2 * np.pi * np.arange(n_parts) / n_parts
        centre = trunk + crown_height / 2
        parts.append(sphere(0.7 * crown, (0.0, centre + 0.2 * crown_height, 0.0), LEAF))
        parts += [sphere(0.55 * crown, (0.5 * crown * np.cos(a), centre - 0.1 * crown_height,
                                        0.5 * crown * np.sin(a)), LEAF) for a in angles]
    return merge(*parts)


FAMILIES: dict[str, Callable[[Design], Mesh]] = {
    "mug": mug, "table": table, "lamp": lamp, "vase": vase,
    "chair": chair, "bottle": bottle, "car": car, "tree": tree}
TASK_CATEGORIES = ("mug", "table", "lamp", "vase")
PRETRAIN_CATEGORIES = ("chair", "bottle", "car", "tree")
