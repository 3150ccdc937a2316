"""From the fine-tuned torch model to the model directory the runtime loads with onnxruntime and
tokenizers only: `model.onnx` (int8), `tokenizer.json`, `model.json` (labels, text length,
calibration, thresholds) and, later, `MODEL_CARD.md`.

The export traces with eager attention; onnxruntime's transformer optimizer fuses attention and
layer norms; dynamic int8 quantisation then shrinks the weights four-fold, except the
feed-forward output projections of the first layers, whose activations have outliers that int8
would clip (kept in fp32 they cost ~2 MB and keep the decisions of the fp32 model).
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any

from happybot.classifiers.onnx import MODEL_FILE, SETTINGS_FILE, TOKENIZER_FILE
from happybot.errors import TrainingError
from happybot.labels import LABELS

KEEP_FP32_LAYERS = 3
OPSET = 17


def export(final: Path, tokenizer: Path, out: Path, max_length: int) -> Path:
    """Write `out` (replacing its model files) from the fine-tuned model in `final`."""
    try:
        import onnx
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from onnxruntime.transformers.optimizer import optimize_model
        from transformers import AutoModelForSequenceClassification
    except ImportError as exc:
        raise TrainingError(f"export needs {exc.name}: pip install -e '.[train]'") from None

    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    model = AutoModelForSequenceClassification.from_pretrained(final, attn_implementation="eager")
    model.eval()
    config = model.config
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        raw, fused = Path(tmp) / "raw.onnx", Path(tmp) / "fused.onnx"
        sample = torch.ones((2, 8), dtype=torch.long)
        with warnings.catch_warnings():
            # the tracer's notes on Python control flow, which the dynamic axes make harmless
            warnings.simplefilter("ignore")
            _trace(torch, model, sample, raw)
        optimized = optimize_model(
            str(raw),
            model_type="bert",
            num_heads=config.num_attention_heads,
            hidden_size=config.hidden_size,
        )
        optimized.save_model_to_file(str(fused))
        keep = [
            node.name
            for node in optimized.model.graph.node
            if node.op_type == "MatMul" and _early_ffn_output(node.name)
        ]
        if not keep:
            raise TrainingError("no feed-forward output projection found to keep in fp32")
        # its advice to pre-process applies to static quantisation, not this dynamic one
        root = logging.getLogger()
        level = root.level
        root.setLevel(logging.ERROR)
        try:
            quantize_dynamic(
                str(fused),
                str(out / MODEL_FILE),
                weight_type=QuantType.QInt8,
                nodes_to_exclude=keep,
                # the fused attention's outputs have no inferred type; they are float
                extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
            )
        finally:
            root.setLevel(level)
    shutil.copyfile(tokenizer, out / TOKENIZER_FILE)
    settings: dict[str, Any] = {
        "labels": list(LABELS),
        "max_length": max_length,
        "calibration": {},
        "thresholds": {},
    }
    (out / SETTINGS_FILE).write_text(json.dumps(settings, indent=2) + "\n")
    return out


def _trace(torch: Any, model: Any, sample: Any, path: Path) -> None:
    torch.onnx.export(
        _logits_only(model),
        (sample, sample),
        str(path),
        input_names=["input_ids", "attention_mask"],
        output_names=["logits"],
        dynamic_axes={
            "input_ids": {0: "batch", 1: "sequence"},
            "attention_mask": {0: "batch", 1: "sequence"},
            "logits": {0: "batch"},
        },
        opset_version=OPSET,
        dynamo=False,  # the tracing exporter: the dynamo one needs onnxscript, and is slower here
    )


def _early_ffn_output(name: str) -> bool:
    found = re.search(r"layer\.(\d+)/output/dense/MatMul", name)
    return found is not None and int(found.group(1)) < KEEP_FP32_LAYERS


def _logits_only(model: Any) -> Any:
    """The classifier with the two inputs the runtime feeds, returning logits only."""
    import torch

    class LogitsOnly(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.model(input_ids=input_ids, attention_mask=attention_mask).logits

    return LogitsOnly()
