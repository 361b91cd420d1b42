"""The procedural 3-D stimuli: grid layout, determinism, identities that differ in shape and not
by colour, shaded views, held-out views beyond the trained ones, families and their meshes."""

import itertools

import numpy as np
import pytest

from taskdyn.tasks import meshes
from taskdyn.tasks.families import FAMILIES
from taskdyn.tasks.identities import colour_schemes, designs
from taskdyn.tasks.stimuli import (
    PRETRAIN_CATEGORIES,
    TASK_CATEGORIES,
    render_stimuli,
    view_angles,
)

SIZE, N_IDENTITIES, N_ANGLES = 64, 5, 4
QUADRANT = slice(0, SIZE // 2), slice(SIZE // 2, SIZE)  # location 0 of 1: upper right
MIN_PAIR_DIFFERENCE = 0.08  # silhouettes of two identities: mismatched / union pixels
MIN_MEAN_DIFFERENCE = 0.2


@pytest.fixture(scope="module", params=["task", "pretrain"])
def family_set(request):
    """Every family of one set: 5 identities × 4 angles at one location, 64 px."""
    names = TASK_CATEGORIES if request.param == "task" else PRETRAIN_CATEGORIES
    return render_stimuli(n_identities=N_IDENTITIES, n_locations=1, n_angles=N_ANGLES,
                          image_size=SIZE, categories=names)


def _silhouettes(stimuli) -> np.ndarray:
    """Object masks of grayscale images, `[category, identity, angle, y, x]`."""
    mask = stimuli.images.mean(axis=3) > 0
    return mask.reshape(len(stimuli.category_names), N_IDENTITIES, N_ANGLES, SIZE, SIZE)


def _difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Mismatched over union pixels of two stacks of masks `[..., y, x]`."""
    return (a ^ b).sum(axis=(-2, -1)) / (a | b).sum(axis=(-2, -1))


def test_grid_is_category_major_with_every_combination():
    s = render_stimuli(n_categories=2, n_identities=3, n_locations=4, n_angles=2, image_size=32)
    assert s.images.shape == (2 * 3 * 4 * 2, 32, 32, 3) and s.images.dtype == np.uint8
    grid = np.stack([s.category, s.identity, s.location, s.angle], axis=1)
    expected = np.array(list(itertools.product(range(2), range(3), range(4), range(2))))
    np.testing.assert_array_equal(grid, expected)
    assert all(a.dtype == np.int64 for a in (s.category, s.identity, s.location, s.angle))
    assert s.category_names.tolist() == list(TASK_CATEGORIES[:2])


def test_one_view_is_pasted_at_every_location():
    s = render_stimuli(n_categories=1, n_identities=1, n_locations=4, n_angles=1, image_size=32)
    upper_right, upper_left = s.images[0], s.images[1]  # locations at 45° and 135°
    np.testing.assert_array_equal(upper_right[:16, 16:], upper_left[:16, :16])
    assert upper_right[:16, 16:].any() and not upper_right[:16, :16].any()


def test_rendering_is_deterministic_in_seed():
    kwargs = {"n_categories": 2, "n_identities": 2, "n_locations": 1, "n_angles": 2,
              "image_size": 32}
    first, again = render_stimuli(seed=3, **kwargs), render_stimuli(seed=3, **kwargs)
    np.testing.assert_array_equal(first.images, again.images)
    assert not np.array_equal(first.images, render_stimuli(seed=4, **kwargs).images)


def test_a_family_keeps_its_identities_whatever_it_is_rendered_with():
    kwargs = {"n_identities": 2, "n_locations": 1, "n_angles": 2, "image_size": 32}
    alone = render_stimuli(categories=["vase"], **kwargs)
    together = render_stimuli(categories=["mug", "vase"], **kwargs)
    np.testing.assert_array_equal(alone.images, together.images[together.category == 1])


def test_identities_of_a_family_differ_in_grayscale_silhouette(family_set):
    masks = _silhouettes(family_set)
    for name, family in zip(family_set.category_names, masks):
        pairs = [_difference(family[i], family[j]).mean()  # same angle, same location
                 for i, j in itertools.combinations(range(N_IDENTITIES), 2)]
        assert min(pairs) > MIN_PAIR_DIFFERENCE, (name, np.round(pairs, 2))
        assert np.mean(pairs) > MIN_MEAN_DIFFERENCE, (name, np.round(pairs, 2))


@pytest.mark.parametrize("n_identities", range(2, 13))
def test_every_colour_scheme_is_worn_by_two_identities_or_more(n_identities):
    for seed in range(5):
        table = colour_schemes(n_identities, np.random.default_rng(seed))
        _, worn = np.unique(table.reshape(n_identities, -1), axis=0, return_counts=True)
        assert worn.min() >= 2 and len(worn) == n_identities // 2


def test_views_are_shaded_not_flat(family_set):
    gray = family_set.images.mean(axis=3)
    for image, mask in zip(gray, gray > 0):
        assert mask.sum() > 100
        assert image[mask].std() > 10 and len(np.unique(image[mask])) >= 30


def test_objects_fit_their_location():
    s = render_stimuli(n_categories=4, n_identities=2, n_locations=1, n_angles=N_ANGLES,
                       image_size=SIZE)
    outside = s.images.copy()
    outside[:, QUADRANT[0], QUADRANT[1]] = 0
    assert not outside.any()
    border = s.images[:, QUADRANT[0], QUADRANT[1]].max(axis=3)
    edges = np.concatenate([border[:, 0], border[:, -1], border[:, :, 0], border[:, :, -1]],
                           axis=1)
    assert not edges.any()  # nothing cut off at the quadrant's edges


@pytest.mark.parametrize("n_angles", [2, 3, 4, 8])
def test_last_view_lies_beyond_the_others_on_every_axis(n_angles):
    angles = view_angles(n_angles)
    assert angles.shape == (n_angles, 3)
    assert (np.diff(angles, axis=0) > 0).all()  # yaw, pitch and roll all grow with the index
    assert (angles[-1] > angles[:-1].max(axis=0)).all()


def test_last_view_of_a_round_object_is_new():
    s = render_stimuli(n_identities=N_IDENTITIES, n_locations=1, n_angles=N_ANGLES,
                       image_size=SIZE, categories=["vase"])
    masks = _silhouettes(s)[0]
    assert (_difference(masks[:, -1:], masks[:, :-1]) > MIN_PAIR_DIFFERENCE).all()


def test_large_images_render():
    s = render_stimuli(n_categories=1, n_identities=1, n_locations=1, n_angles=1,
                       image_size=224)
    assert s.images.shape == (1, 224, 224, 3) and s.images[0, :112, 112:].any()


def test_family_sets_are_disjoint_and_known():
    assert len(TASK_CATEGORIES) >= 4 and len(PRETRAIN_CATEGORIES) >= 4
    assert not set(TASK_CATEGORIES) & set(PRETRAIN_CATEGORIES)
    assert set(TASK_CATEGORIES) | set(PRETRAIN_CATEGORIES) <= set(FAMILIES)


def test_bad_family_or_count_is_refused_by_name():
    with pytest.raises(ValueError, match="teapot"):
        render_stimuli(categories=["mug", "teapot"])
    with pytest.raises(ValueError, match="n_categories"):
        render_stimuli(n_categories=len(TASK_CATEGORIES) + 1)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_every_design_of_a_family_builds_a_mesh_on_the_ground(name):
    for seed in range(3):
        for design in designs(24, np.random.default_rng(seed)):
            mesh = FAMILIES[name](design)
            assert np.isfinite(mesh.quads).all() and len(mesh.quads) == len(mesh.slot)
            assert mesh.quads[..., 1].min() > -1e-9  # stands on the ground


@pytest.mark.parametrize("part, centre", [
    (meshes.cylinder(0.5, 0.0, 1.0, 0, top_radius=0.2), (0.0, 0.5, 0.0)),
    (meshes.sphere(0.5, (1.0, 2.0, 3.0), 0, stretch=(1.0, 2.0, 0.5)), (1.0, 2.0, 3.0)),
    (meshes.box((0.0, 0.0, 0.0), (1.0, 2.0, 0.3), 0), (0.5, 1.0, 0.15)),
    (meshes.rod(np.zeros(3), np.array([1.0, -1.0, 2.0]), 0.1, 0), (0.5, -0.5, 1.0)),
])
def test_solid_parts_face_outwards(part, centre):
    outward = np.einsum("fk,fk->f", meshes.normals(part.quads),
                        part.quads.mean(axis=1) - np.array(centre))
    assert (outward > 0).all()


def test_box_faces_are_split_no_longer_than_the_maximum_edge():
    quads = meshes.box((0.0, 0.0, 0.0), (1.0, 0.05, 0.3), 0).quads
    sides = np.linalg.norm(np.diff(quads, axis=1, append=quads[:, :1]), axis=2)
    assert sides.max() <= meshes.MAX_EDGE + 1e-12
