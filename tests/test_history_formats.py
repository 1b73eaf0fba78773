"""History from the logs people already have: each file written the way its tool writes it (by the
tool itself where it is installed), then read as train/val curves (probes/history_file.py)."""
from __future__ import annotations

import json

import pytest

from dldoctor.probes.history_file import HistoryError, read_history

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")


def test_hugging_face_trainer_state(tmp_path):
    from transformers import TrainerState

    log = [{"epoch": 0.5, "grad_norm": 1.2, "learning_rate": 5e-5, "loss": 0.69, "step": 10},
           {"epoch": 1.0, "eval_loss": 0.66, "eval_accuracy": 0.61, "eval_runtime": 0.3, "step": 20},
           {"epoch": 1.5, "grad_norm": 0.9, "learning_rate": 2.5e-5, "loss": 0.52, "step": 30},
           {"epoch": 2.0, "eval_loss": 0.58, "eval_accuracy": 0.7, "eval_runtime": 0.3, "step": 40},
           {"epoch": 2.0, "step": 40, "total_flos": 1.0, "train_loss": 0.6, "train_runtime": 9.1, "train_samples_per_second": 88.0}]
    TrainerState(global_step=40, max_steps=40, log_history=log).save_to_json(str(tmp_path / "trainer_state.json"))
    h = read_history("trainer_state.json", str(tmp_path))
    assert h.source == "trainer_state"
    assert h.series("train_loss") == [0.69, 0.52]  # the closing summary row (train_loss 0.6) left out
    assert h.series("val_loss") == [0.66, 0.58]
    assert h.series("val_error") == pytest.approx([0.39, 0.3])


def test_lightning_csv_logger(tmp_path):
    from lightning.pytorch.loggers import CSVLogger

    logger = CSVLogger(str(tmp_path), name="run", version=0)
    for step, loss in enumerate([0.9, 0.7, 0.5, 0.4]):
        logger.log_metrics({"train_loss": loss, "epoch": step // 2}, step=step)
        if step % 2 == 1:
            logger.log_metrics({"val_loss": loss + 0.1, "val_acc": 0.5 + step / 10, "epoch": step // 2}, step=step)
    logger.save()
    path = tmp_path / "run" / "version_0" / "metrics.csv"
    assert path.exists()
    h = read_history(str(path))
    assert h.series("train_loss") == [0.9, 0.7, 0.5, 0.4]
    assert h.series("val_loss") == pytest.approx([0.8, 0.5])
    assert h.series("val_error") == pytest.approx([0.4, 0.2])


def test_tensorboard_event_file(tmp_path):
    pytest.importorskip("tensorboard")
    from torch.utils.tensorboard import SummaryWriter

    with SummaryWriter(str(tmp_path)) as w:
        for step, loss in enumerate([1.0, 0.8, 0.6]):
            w.add_scalar("Loss/train", loss, step)
            w.add_scalar("Loss/val", loss + 0.2, step)
    event = next(p for p in tmp_path.iterdir() if "tfevents" in p.name)
    h = read_history(str(event))
    assert h.series("train_loss") == pytest.approx([1.0, 0.8, 0.6]) and h.series("val_loss") == pytest.approx([1.2, 1.0, 0.8])


def test_wandb_ui_csv_export(tmp_path):
    # the W&B UI's "Export panel data -> CSV": Step, then "<run> - <metric>" with __MIN / __MAX companions
    (tmp_path / "wandb_export.csv").write_text(
        '"Step","valiant-test-3 - train/loss","valiant-test-3 - train/loss__MIN","valiant-test-3 - train/loss__MAX"\n'
        '"0","0.9","0.85","0.95"\n"1","0.6","0.55","0.65"\n"2","0.4","0.35","0.45"\n')
    h = read_history("wandb_export.csv", str(tmp_path))
    assert h.series("train_loss") == [0.9, 0.6, 0.4]  # not the run name's "test", not the MIN/MAX companions
    assert "test_error" not in h.columns and "test_loss" not in h.columns


def test_wandb_run_history_json(tmp_path):
    # run.history() is a DataFrame; saved with .to_json(orient="records") its rows carry _step, _runtime, _timestamp
    rows = [{"_step": 0, "_runtime": 1.0, "_timestamp": 1.7e9, "train/loss": 0.8, "val/loss": None},
            {"_step": 1, "_runtime": 2.0, "_timestamp": 1.7e9, "train/loss": 0.6, "val/loss": 0.7},
            {"_step": 2, "_runtime": 3.0, "_timestamp": 1.7e9, "train/loss": 0.5, "val/loss": None}]
    (tmp_path / "history.json").write_text(json.dumps(rows))
    h = read_history("history.json", str(tmp_path))
    assert h.series("train_loss") == [0.8, 0.6, 0.5] and h.series("val_loss") == [0.7]


def test_an_empty_trainer_state_names_the_file(tmp_path):
    (tmp_path / "trainer_state.json").write_text(json.dumps({"log_history": [{"train_runtime": 1.0, "train_loss": 0.5}]}))
    with pytest.raises(HistoryError, match="trainer_state.json: log_history holds no logged step"):
        read_history("trainer_state.json", str(tmp_path))
