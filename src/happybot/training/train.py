"""Fine-tune a small sentence encoder into a multi-label classifier, resumably.

Needs torch and transformers (`pip install -e '.[train]'`); nothing at run time does. The
tokenizer is the `tokenizers` file the runtime uses too, so training and running cut texts into
the same pieces. Reproducible: fixed seeds, a batch order drawn from the seed and the epoch, and
a checkpoint every few hundred steps from which an interrupted run goes on where it stopped
(`make model` may take longer than one sitting).
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from happybot.classifiers.base import model_text
from happybot.datasets import Row
from happybot.errors import TrainingError
from happybot.labels import HATE, INSULT, LABELS, THREAT
from happybot.training import distil

CHECKPOINT = "checkpoint.pt"
FINAL = "final"
# batches are drawn from pools of similar length: padding is most of the cost otherwise
POOL_BATCHES = 50


@dataclass(frozen=True)
class TrainSettings:
    base: Path  # a BERT-like model directory (config.json, model.safetensors, tokenizer.json)
    work: Path  # checkpoints and the fine-tuned model
    epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 5e-5
    warmup: float = 0.06
    # how much more a hate target counts in the loss than another label's: hate is the label
    # the campaign rejects on, and the others share the encoder with it
    hate_weight: float = 1.0
    # a misspelt copy of this share of the training rows (training.augment); none by default
    misspelt_share: float = 0.0
    # a larger fine-tuned model whose scores the targets are drawn towards (training.distil)
    teacher: Path | None = None
    teacher_weight: float = 0.5
    # the labels it teaches; not the two learnt from our own few sentences (training.distil)
    teacher_labels: tuple[str, ...] = (HATE, INSULT, THREAT)
    max_length: int = 64
    seed: int = 1234
    threads: int = 2
    checkpoint_every: int = 200

    def __post_init__(self) -> None:
        distil.check_labels(self.teacher_labels)  # before the rows are read, not after

    def fingerprint(self, rows: Sequence[Row]) -> str:
        """What a checkpoint must match to be resumed: the settings and the data."""
        digest = hashlib.sha256()
        # a teacher enters through the rows' targets, hashed below: where it lies does not count
        skip = ("work", "threads", "teacher", "teacher_weight", "teacher_labels")
        settings = {k: str(v) for k, v in asdict(self).items() if k not in skip}
        digest.update(json.dumps(settings, sort_keys=True).encode())
        for row in rows:
            digest.update(row.text.encode())
            digest.update(repr((row.targets, row.known)).encode())
        return digest.hexdigest()


Progress = Callable[[int, int, float], None]  # (step, total steps, recent loss)


def _torch() -> Any:
    try:
        import torch
        import transformers  # noqa: F401
    except ImportError as exc:
        raise TrainingError(
            f"training needs torch and transformers ({exc.name} is missing): "
            "pip install -e '.[train]'"
        ) from None
    return torch


def encode(tokenizer_path: Path, texts: Sequence[str], max_length: int) -> list[list[int]]:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length)
    return [e.ids for e in tokenizer.encode_batch([model_text(t) for t in texts])]


def batches(lengths: Sequence[int], batch_size: int, seed: int, epoch: int) -> list[list[int]]:
    """The epoch's batches of row indices: shuffled, then sorted by length within pools of
    `POOL_BATCHES` batches, then the batches shuffled. The same for the same seed and epoch."""
    rng = random.Random(seed * 1000 + epoch)
    order = list(range(len(lengths)))
    rng.shuffle(order)
    pool = batch_size * POOL_BATCHES
    out: list[list[int]] = []
    for start in range(0, len(order), pool):
        chunk = sorted(order[start : start + pool], key=lambda i: lengths[i])
        out.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(out)
    return out


def train(rows: Sequence[Row], settings: TrainSettings, progress: Progress | None = None) -> Path:
    """Fine-tune, resuming from the work folder's checkpoint when there is one; return the
    folder of the fine-tuned model (`work/final`), which is kept once made."""
    torch = _torch()
    from transformers import AutoModelForSequenceClassification, get_linear_schedule_with_warmup
    from transformers.utils import logging as hf_logging

    # the report of the new head's missing weights is expected: that head is what we train
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()

    final = settings.work / FINAL
    fingerprint = settings.fingerprint(rows)
    if (final / "fingerprint.txt").is_file():
        if (final / "fingerprint.txt").read_text().strip() == fingerprint:
            return final
        raise TrainingError(
            f"{final} was trained on other data or settings: remove {settings.work} to start over"
        )
    if not rows:
        raise TrainingError("no training rows")
    settings.work.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(settings.threads)
    random.seed(settings.seed)
    torch.manual_seed(settings.seed)

    ids = encode(settings.base / "tokenizer.json", [r.text for r in rows], settings.max_length)
    targets = torch.tensor([r.targets for r in rows], dtype=torch.float32)
    known = torch.tensor([r.known for r in rows], dtype=torch.float32)
    known[:, LABELS.index(HATE)] *= settings.hate_weight
    model = AutoModelForSequenceClassification.from_pretrained(
        settings.base,
        num_labels=len(LABELS),
        problem_type="multi_label_classification",
        id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)},
        attn_implementation="eager",
    )
    per_epoch = len(batches([len(i) for i in ids], settings.batch_size, settings.seed, 0))
    total = per_epoch * settings.epochs
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate, weight_decay=0.01)
    schedule = get_linear_schedule_with_warmup(optimizer, int(total * settings.warmup), total)
    step = 0
    checkpoint = settings.work / CHECKPOINT
    if checkpoint.is_file():
        state = torch.load(checkpoint, weights_only=False)
        if state["fingerprint"] != fingerprint:
            raise TrainingError(
                f"{checkpoint} belongs to other data or settings: remove {settings.work} "
                "to start over"
            )
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        torch.set_rng_state(state["rng"])
        step = state["step"]

    def save() -> None:
        state = {
            "fingerprint": fingerprint,
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "schedule": schedule.state_dict(),
            "rng": torch.get_rng_state(),
            "step": step,
        }
        torch.save(state, checkpoint.with_suffix(".tmp"))
        checkpoint.with_suffix(".tmp").replace(checkpoint)  # never a half-written checkpoint

    model.train()
    recent: list[float] = []
    for epoch in range(settings.epochs):
        for number, batch in enumerate(
            batches([len(i) for i in ids], settings.batch_size, settings.seed, epoch)
        ):
            if epoch * per_epoch + number < step:
                continue  # done before the interruption
            width = max(len(ids[i]) for i in batch)
            input_ids = torch.zeros((len(batch), width), dtype=torch.long)
            mask = torch.zeros((len(batch), width), dtype=torch.long)
            for row, index in enumerate(batch):
                input_ids[row, : len(ids[index])] = torch.tensor(ids[index])
                mask[row, : len(ids[index])] = 1
            logits = model(input_ids=input_ids, attention_mask=mask).logits
            weight = known[batch]
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, targets[batch], weight=weight, reduction="sum"
            ) / weight.sum().clamp(min=1.0)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            step += 1
            recent = [*recent[-49:], float(loss.detach())]
            if step % settings.checkpoint_every == 0:
                save()
            if progress:
                progress(step, total, sum(recent) / len(recent))
    save()
    model.save_pretrained(final)
    (final / "fingerprint.txt").write_text(fingerprint + "\n")
    return final
