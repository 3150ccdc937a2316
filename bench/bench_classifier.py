"""Print what the classifier costs and how well it does, beside the baselines.

    taskset -c 1 .venv/bin/python bench/bench_classifier.py [--data ../shared/data] [--texts 1000]

For each model: load time, posts per second on one thread (one at a time, and batched as the
screen batches), peak memory of a process that loads it and classifies, and HateCheck accuracy
at its balanced threshold (for the baselines: chosen on Dynabench dev, never on HateCheck).
Models: the shipped ONNX int8 model (onnxruntime + tokenizers); the same fine-tuned model in
torch, if `make model` left it in build/model-work (needs the [train] extra); TF-IDF + logistic
regression trained on Dynabench dev; the word-list gate alone. Then the installed size of the
runtime's dependencies against torch's.

Each model runs in a process of its own, so its peak memory is its own. Not part of the test
suite: figures, not assertions.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path

from rich.console import Console
from rich.table import Table

console = Console()
ROOT = Path(__file__).resolve().parent.parent
TORCH_MODEL = ROOT / "build" / "model-work" / "final"


def _texts(data: Path, count: int) -> list[str]:
    from happybot.measure.evaluate import read_dynabench_test

    return [c.text for c in read_dynabench_test(data / "dynabench")][:count]


def _rate(
    score: Callable[[Sequence[str]], object], texts: Sequence[str], batch: int, passes: int = 3
) -> float:
    """The median of a few passes over the texts: on a shared machine one pass varies by a
    third from run to run (seen here: 225 to 335 posts/s for the same model)."""
    score(texts[:8])  # warm up
    rates = []
    for _ in range(passes):
        started = time.perf_counter()
        for start in range(0, len(texts), batch):
            score(texts[start : start + batch])
        rates.append(len(texts) / (time.perf_counter() - started))
    return statistics.median(rates)


def _hatecheck(data: Path, hate_score: Callable[[Sequence[str]], list[float]], cut: float) -> dict:
    from happybot.measure.evaluate import read_hatecheck, score

    cases = read_hatecheck(data / "hatecheck")
    scores: list[float] = []
    for start in range(0, len(cases), 64):
        scores.extend(hate_score([c.text for c in cases[start : start + 64]]))
    report = score(cases, [s >= cut for s in scores])
    return {
        "accuracy": report.accuracy,
        "hateful": report.hateful_accuracy,
        "non_hateful": report.non_hateful_accuracy,
    }


def run_one(kind: str, data: Path, count: int) -> dict:
    """In a child process: load, time and measure one model."""
    texts = _texts(data, count)
    started = time.perf_counter()
    if kind == "onnx":
        from happybot.classifiers.onnx import OnnxClassifier, shipped_model

        model = OnnxClassifier(shipped_model(), threads=1)
        cut = float(model.settings.thresholds["hate"]["balanced"])

        def hate(batch: Sequence[str]) -> list[float]:
            return [s["hate"] for s in model.scores(batch)]

    elif kind == "torch":
        import torch
        from tokenizers import Tokenizer
        from transformers import AutoModelForSequenceClassification

        from happybot.classifiers.base import model_text
        from happybot.classifiers.onnx import shipped_model

        torch.set_num_threads(1)
        net = AutoModelForSequenceClassification.from_pretrained(TORCH_MODEL).eval()
        tokenizer = Tokenizer.from_file(str(shipped_model() / "tokenizer.json"))
        tokenizer.enable_truncation(64)
        tokenizer.enable_padding()
        settings = json.loads((shipped_model() / "model.json").read_text())
        cal = settings["calibration"]["hate"]
        cut = float(settings["thresholds"]["hate"]["balanced"])

        def hate(batch: Sequence[str]) -> list[float]:
            encoded = tokenizer.encode_batch([model_text(t) for t in batch])
            ids = torch.tensor([e.ids for e in encoded])
            mask = torch.tensor([e.attention_mask for e in encoded])
            with torch.inference_mode():
                logits = net(input_ids=ids, attention_mask=mask).logits[:, 0]
            return torch.sigmoid(cal["a"] * logits + cal["b"]).tolist()

    elif kind == "tfidf":
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import f1_score

        from happybot.datasets import dynabench

        dev = dynabench(data / "dynabench", "dev")
        vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        x = vectorizer.fit_transform([e.text for e in dev])
        y = [e.hate for e in dev]
        clf = LogisticRegression(max_iter=2000, C=4).fit(x, y)
        probs = clf.predict_proba(x)[:, 1]
        cut = max(
            (f1_score(y, probs >= t, average="macro"), t) for t in [i / 100 for i in range(5, 96)]
        )[1]

        def hate(batch: Sequence[str]) -> list[float]:
            return list(clf.predict_proba(vectorizer.transform(batch))[:, 1])

    else:  # the word lists alone
        from datetime import UTC, datetime, timedelta

        from happybot.config import starter_campaign
        from happybot.models import Author, Post, Trigger
        from happybot.screens.base import ScreenContext
        from happybot.screens.lexicon import LexiconScreen

        screen = LexiconScreen(starter_campaign())
        author = Author(handle="someone.example")
        ctx = ScreenContext(now=datetime.now(UTC), deadline=datetime.now(UTC) + timedelta(1))
        cut = 0.3

        def hate(batch: Sequence[str]) -> list[float]:
            triggers = [Trigger("b", Post(str(i), t, author)) for i, t in enumerate(batch)]
            return [max((f.risk for f in fs), default=0.0) for fs in screen.check(triggers, ctx)]

    load = time.perf_counter() - started
    one = _rate(hate, texts, 1)
    batched = _rate(hate, texts, 64)
    quality = _hatecheck(data, hate, cut)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"load_s": load, "one": one, "batched": batched, "peak_mb": peak, **quality}


def installed_mb(names: Sequence[str]) -> float:
    """The installed size of these distributions and everything they require."""
    seen: set[str] = set()
    todo = list(names)
    total = 0
    while todo:
        name = todo.pop().lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        for file in dist.files or ():
            path = Path(str(dist.locate_file(file)))
            if path.is_file():
                total += path.stat().st_size
        for requirement in dist.requires or ():
            if "extra ==" not in requirement:
                todo.append(
                    requirement.split(";")[0]
                    .split("[")[0]
                    .split(" ")[0]
                    .split("<")[0]
                    .split(">")[0]
                    .split("=")[0]
                    .split("!")[0]
                    .split("~")[0]
                    .strip()
                )
    return total / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--texts", type=int, default=1000)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.data, args.texts)))
        return
    kinds = ["onnx", "torch", "tfidf", "words"]
    names = {
        "onnx": "shipped: MiniLM-L6 fine-tuned, ONNX int8",
        "torch": "the same model in torch (fp32)",
        "tfidf": "TF-IDF + logistic regression (Dynabench dev)",
        "words": "word lists alone (lexicon screen)",
    }
    table = Table(
        "model", "load", "posts/s one at a time", "posts/s batched", "peak RSS",
        "HateCheck", "hateful held", "non-hateful published",
        title=f"Classifiers on one thread ({args.texts} Dynabench test texts)",
    )  # fmt: skip
    for kind in kinds:
        if kind == "torch" and not TORCH_MODEL.is_dir():
            console.print("[dim]torch model: build/model-work/final is missing (make model)[/]")
            continue
        with console.status(f"measuring {names[kind]}"):
            done = subprocess.run(
                [sys.executable, __file__, "--one", kind, "--data", str(args.data),
                 "--texts", str(args.texts)],
                capture_output=True, text=True, check=False,
            )  # fmt: skip
        if done.returncode != 0:
            console.print(f"[red]{kind} failed[/]: {done.stderr[-500:]}")
            continue
        r = json.loads(done.stdout.strip().splitlines()[-1])
        table.add_row(
            names[kind], f"{r['load_s']:.2f} s", f"{r['one']:,.0f}", f"{r['batched']:,.0f}",
            f"{r['peak_mb']:.0f} MB", f"{r['accuracy']:.1%}", f"{r['hateful']:.1%}",
            f"{r['non_hateful']:.1%}",
        )  # fmt: skip
    console.print(table)
    console.print(
        "[dim]The ONNX model classifies a batch one text at a time: int8 dynamic quantisation "
        "scales by the whole input's range, so padding a text into a batch would make its score "
        "depend on its neighbours.[/]"
    )
    from happybot.classifiers.onnx import MODEL_FILE, shipped_model

    size = sum(f.stat().st_size for f in shipped_model().iterdir() if f.is_file()) / 1e6
    console.print(
        f"shipped model directory: {size:.1f} MB ({MODEL_FILE} "
        f"{(shipped_model() / MODEL_FILE).stat().st_size / 1e6:.1f} MB)"
    )
    runtime = installed_mb(["onnxruntime", "tokenizers"])
    training = installed_mb(["torch", "transformers"])
    console.print(
        f"installed size: runtime (onnxruntime + tokenizers and what they need) {runtime:.0f} MB;"
        f" torch + transformers and what they need {training:.0f} MB"
    )


if __name__ == "__main__":
    main()
