"""End to end: snakemake runs the wm study on its tiny config in a scratch directory."""

import numpy as np
import pytest

from figures import colorbars, legend_labels, panels, saved_figures
from pipeline import named_config, prepare_pipeline
from taskdyn.io import read_h5_attrs, read_table
from taskdyn.studies.wm import jobs


@pytest.mark.pipeline
def test_wm_pipeline_end_to_end_and_features_cached_once(tmp_path):
    pipeline = prepare_pipeline(tmp_path, "wm")
    pipeline.snakemake("--quiet", "all")
    results = pipeline.results
    tables, figures = results / "tables" / "wm", results / "figures" / "wm"

    accuracy = read_table(tables / "accuracy.csv")
    assert set(accuracy["split"]) == {"train", "val", "novel_angle", "novel_identity"}
    assert set(accuracy["nback_task"]) == {"all", "1back_location", "1back_category",
                                           "2back_location", "2back_category"}
    assert accuracy["accuracy"].between(0, 1).all()

    decoding = read_table(tables / "decoding.csv")
    cnn_encoding = decoding[(decoding["space"] == "cnn") & (decoding["analysis"] == "cross_time")
                            & (decoding["property"] == "location")
                            & (decoding["train_time"] == decoding["stimulus"])
                            & (decoding["test_time"] == decoding["stimulus"])]
    # on-screen location, from both encoders' features (the pretrained one and the control)
    assert len(cnn_encoding) == 2 * 6 and cnn_encoding["accuracy"].mean() > 0.9
    assert (cnn_encoding["accuracy"] > 0.8).all()
    assert decoding["accuracy"].between(0, 1).all()
    assert set(decoding["trials"]) == {"all tasks (no identity task)"}  # location, category only
    assert set(decoding["sample_check"]) <= {"ok", "too few samples"}
    cross_stimulus = decoding[decoding["analysis"] == "cross_stimulus"]
    assert (cross_stimulus["stimulus"] == cross_stimulus["train_time"]).all()
    executive = read_table(tables / "executive.csv")
    assert set(executive["space"]) == {"rnn", "cnn"}
    assert set(executive["kind"]) == {"executive", "non_executive"}
    assert set(executive["level"]) == {"n_back × age", "pooled", "age-matched"}
    pooled = executive[(executive["level"] == "pooled") & (executive["samples"] == "all")]
    assert len(pooled) == 3 * 2 * 2  # (RNN, CNN, CNN control) × properties × kinds
    procrustes = read_table(tables / "procrustes.csv")
    assert set(procrustes["condition"]) >= {"direct", "reconstructed", "unrotated", "source"}
    accuracy_rows = procrustes[procrustes["metric"] == "accuracy"]
    assert accuracy_rows["value"].between(0, 1).all()
    # a swap needs a partner transition whose decoders beat chance (few in a 2-epoch model)
    swapped = accuracy_rows["condition"].isin(["same_age", "same_stimulus"])
    assert accuracy_rows["above_chance"].any() or not swapped.any()
    ortho = read_table(tables / "orthogonalisation.csv")
    per_property = ortho[ortho["sample"] == "property"]
    assert len(per_property) == 3 * 2 and ortho["index"].between(0, 1).all()
    assert (ortho["sample"] == "pair").sum() == 3 * 2 * 6  # spaces × properties × pairs
    ttest = read_table(tables / "orthogonalisation_test.csv")
    # against the pretrained encoder the RNN was trained on, and the random-frozen one beside it
    assert ttest.set_index("cnn_encoder")["matched"].to_dict() == {
        "resnet18 (pretrained-procedural)": True, "resnet18 (random-frozen)": False}
    assert (ttest[["n_cnn", "n_rnn"]] == 12).all(axis=None)  # 2 × 6 pairs
    assert ttest["p"].between(0, 1).all() and set(ttest["more_orthogonalised"]) <= {"cnn", "rnn"}
    assert (ttest["dof"] > 0).all()  # annotated on the orthogonalisation figure

    cross = read_table(tables / "cross_task.csv")  # 3 properties × 2 × 2 task features
    assert len(cross) == 12 and set(cross["train_task"]) == {"location", "category"}
    assert cross["accuracy"].between(0, 1).all()
    assert cross.loc[cross["property"] == "location", "accuracy"].mean() > 0.5  # chance 0.25
    assert set(cross["architecture"]) == {"gru"}
    sharing = read_table(tables / "subspace_sharing.csv")  # all + 3 properties, one seed
    assert len(sharing) == 4 and set(sharing["property"]) == {"all", "location", "identity",
                                                              "category"}
    assert (sharing["n_seeds"] <= 1).all()
    perturbation = read_table(tables / "perturbation.csv")
    assert set(perturbation["direction"]) == {"decoder", "random"}
    assert (perturbation["n_samples"] > 0).all()
    total = perturbation.groupby(["nback_task", "direction", "magnitude"])["probability"].sum()
    np.testing.assert_allclose(total, 1.0, rtol=1e-6)
    unshifted = perturbation[perturbation["magnitude"] == 0].pivot_table(
        index=["nback_task", "response"], columns="direction", values="probability")
    np.testing.assert_allclose(unshifted["decoder"], unshifted["random"])
    for name in ("stimuli", "accuracy", "cross_time", "executive", "cross_stimulus",
                 "procrustes", "orthogonalisation", "cross_task", "perturbation"):
        for ext in ("png", "pdf"):
            assert (figures / f"{name}.{ext}").is_file()
    _check_figures(results, tmp_path / "redrawn")
    features = results / "stimuli" / "wm" / "features.h5"
    assert read_h5_attrs(features)["encoder"]["weights_source"].startswith(
        "pretrained-procedural (chair, bottle, car, tree; held-out view accuracy")
    control = read_h5_attrs(results / "stimuli" / "wm" / "features_random.h5")["encoder"]
    assert control["weights_source"] == "random-frozen"
    for name in jobs.TABLE_NAMES:  # every table names the encoder of its features
        table = read_table(tables / f"{name}.csv")
        assert "encoder" in table and table["encoder"].str.startswith("resnet18 (").all(), name

    # Retraining with other settings reuses the cached features; a new encoder recomputes them.
    config = named_config("wm")
    config["studies"]["wm"]["train"]["epochs"] = 3
    plan = pipeline.with_config(config).snakemake("--dry-run", "all").output
    assert "train_model" in plan and "make_dataset" not in plan
    assert "wm_extract_features" not in plan and "wm_make_stimuli" not in plan
    config["studies"]["wm"]["encoder"]["seed"] = 1
    assert "wm_extract_features" in pipeline.with_config(config).snakemake(
        "--dry-run", "all").output


def _check_figures(results, out):
    """The figures, drawn again by their job from the run's stimuli and tables."""
    tables = {name: str(results / "tables" / "wm" / f"{name}.csv") for name in jobs.TABLE_NAMES}
    with saved_figures() as saved:
        jobs.make_figures(images=str(results / "stimuli" / "wm" / "images.h5"),
                          features=str(results / "stimuli" / "wm" / "features.h5"), tables=tables,
                          pdfs={n: str(out / f"{n}.pdf") for n in jobs.FIGURE_NAMES},
                          pngs={n: str(out / f"{n}.png") for n in jobs.FIGURE_NAMES})
    figures = dict(zip(jobs.FIGURE_NAMES, saved, strict=True))
    stimuli = figures["stimuli"]  # 4 categories × 3 identities, 4 locations × 3 angles
    left, right = stimuli.subfigs
    assert left.get_suptitle() == "categories × identities"
    assert right.get_suptitle().endswith(" 0: locations × angles")
    assert [len(sub.axes) for sub in stimuli.subfigs] == [4 * 3, 4 * 3]
    assert all(len(ax.images) == 1 for ax in panels(stimuli))
    [accuracy] = panels(figures["accuracy"])  # one scenario × model
    assert accuracy.get_title() == "mtmf / gru"
    assert legend_labels(accuracy) == ["train", "val", "novel angle", "novel identity"]
    assert len(accuracy.get_xticklabels()) == 4  # 1- and 2-back × location and category
    # (RNN, CNN, CNN control) × decoded properties
    cross_time = panels(figures["cross_time"])
    assert [ax.get_title() for ax in cross_time[:2]] == ["location", "category"]
    assert len(cross_time) == 3 * 2 and len(colorbars(figures["cross_time"])) == 1
    # each encoder is named with its weights: in the CNN rows and every table figure's caption
    assert "resnet18 (pretrained-procedural) features" in cross_time[2].get_ylabel()
    assert "resnet18 (random-frozen) features" in cross_time[4].get_ylabel()
    for name in jobs.FROM_TABLES:
        assert [text.get_text() for text in figures[name].texts] == [
            "RNNs trained on resnet18 (pretrained-procedural) features"], name
    executive = panels(figures["executive"])  # (RNN, CNN, CNN control) × decoded properties
    assert [ax.get_title() for ax in executive[:2]] == ["location", "category"]
    assert len(executive) == 3 * 2
    assert legend_labels(executive[1]) == ["executive", "non-executive"]
    cross_stimulus = panels(figures["cross_stimulus"])  # one scenario × decoded properties
    assert [ax.get_title() for ax in cross_stimulus] == ["location", "category"]
    assert legend_labels(cross_stimulus[1]) == ["RNN gru", "CNN resnet18 (pretrained-procedural)",
                                                "CNN resnet18 (random-frozen)"]
    [procrustes] = panels(figures["procrustes"])
    assert procrustes.get_title() == "location"
    assert legend_labels(procrustes) == ["fitted at t+1", "own rotation", "swap: same age",
                                         "swap: same stimulus", "no rotation"]
    orthogonalisation = panels(figures["orthogonalisation"])  # properties + the t-test
    assert [ax.get_title() for ax in orthogonalisation[:2]] == ["location", "category"]
    assert "t-test, CNN vs RNN" in orthogonalisation[2].get_title()
    cross_task = panels(figures["cross_task"])  # one panel per decoded property
    assert len(cross_task) == 3
    assert all(ax.images[0].get_array().shape == (2, 2) for ax in cross_task)
    perturbation = panels(figures["perturbation"])  # match, non-match, no-action
    assert [ax.get_title() for ax in perturbation] == ["P(match)", "P(non-match)",
                                                       "P(no-action)"]
    assert legend_labels(perturbation[-1]) == [f"{feature}, {direction}"
                                               for feature in ("location", "category")
                                               for direction in ("decoder", "random")]
