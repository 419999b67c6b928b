"""Conversion and quantization of models into GGUF.

`import_hf` turns a Hugging Face sentence-transformers BERT folder (config.json, vocab.txt,
model.safetensors, optionally 1_Pooling/config.json) into a GGUF embedding model that llama.cpp
runs: the `bert.*` hyperparameters, mean or CLS pooling, non-causal attention, the WordPiece vocab
rewritten to llama.cpp's phantom-space form ("##ing" -> "ing", "word" -> "▁word", specials kept),
and the tensors renamed with gguf's own name map. The output is written to a temporary file and
renamed into place only when complete. `quantize` calls llama.cpp's quantizer (Q8_0, Q4_K_M...).
"""

from __future__ import annotations

import ctypes
import json
import os
from pathlib import Path
from typing import Any

import gguf
import llama_cpp
import numpy as np
from safetensors.numpy import load_file

from core.errors import InvalidInputError, ModelInvalidError

QUANT_TYPES = {
    "Q8_0": llama_cpp.LLAMA_FTYPE_MOSTLY_Q8_0,
    "Q4_K_M": llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_K_M,
    "Q5_K_M": llama_cpp.LLAMA_FTYPE_MOSTLY_Q5_K_M,
    "Q4_0": llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_0,
    "F16": llama_cpp.LLAMA_FTYPE_MOSTLY_F16,
}


def _read_json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInputError(f"{path.name} is missing from {path.parent}") from None
    except (OSError, ValueError) as exc:
        raise InvalidInputError(f"cannot read {path}: {exc}") from None
    if not isinstance(value, dict):
        raise InvalidInputError(f"{path} is not a JSON object")
    return value


def _pooling(folder: Path) -> gguf.PoolingType:
    path = folder / "1_Pooling" / "config.json"
    if not path.exists():
        return gguf.PoolingType.MEAN
    config = _read_json(path)
    if config.get("pooling_mode_mean_tokens"):
        return gguf.PoolingType.MEAN
    if config.get("pooling_mode_cls_token"):
        return gguf.PoolingType.CLS
    raise InvalidInputError("only mean and CLS pooling are supported")


def _vocab(folder: Path) -> tuple[list[str], list[int]]:
    try:
        words = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InvalidInputError(f"cannot read vocab.txt in {folder}: {exc.strerror}") from None
    tokens: list[str] = []
    types: list[int] = []
    for word in words:
        if word.startswith("[") and word.endswith("]"):
            tokens.append(word)
            kind = gguf.TokenType.UNKNOWN if word == "[UNK]" else gguf.TokenType.CONTROL
        elif word.startswith("##"):
            tokens.append(word[2:])
            kind = gguf.TokenType.NORMAL
        else:
            tokens.append("\u2581" + word)
            kind = gguf.TokenType.NORMAL
        types.append(int(kind))
    return tokens, types


def import_hf(folder: Path, out: Path, outtype: str = "f16", name: str | None = None) -> Path:
    """Convert a sentence-transformers BERT folder into a GGUF embedding model at `out`."""
    config = _read_json(folder / "config.json")
    if config.get("model_type") != "bert":
        raise InvalidInputError(
            f"{folder.name} holds a {config.get('model_type')!r} model; only BERT is supported"
        )
    weights_path = folder / "model.safetensors"
    if not weights_path.exists():
        raise InvalidInputError(f"model.safetensors is missing from {folder}")
    try:
        weights = load_file(str(weights_path))
    except Exception as exc:  # safetensors raises its own SafetensorError
        raise InvalidInputError(f"cannot read {weights_path.name}: {exc}") from None
    tokens, types = _vocab(folder)
    n_layers = int(config["num_hidden_layers"])
    name_map = gguf.get_tensor_name_map(gguf.MODEL_ARCH.BERT, n_layers)
    float_type = {"f16": np.float16, "f32": np.float32}.get(outtype)
    if float_type is None:
        raise InvalidInputError("outtype must be f16 or f32 (quantize afterwards for smaller)")

    tmp = out.with_name(f".{out.name}.part")
    writer = gguf.GGUFWriter(str(tmp), "bert")
    try:
        writer.add_name(name or folder.name)
        writer.add_context_length(int(config["max_position_embeddings"]))
        writer.add_embedding_length(int(config["hidden_size"]))
        writer.add_feed_forward_length(int(config["intermediate_size"]))
        writer.add_block_count(n_layers)
        writer.add_head_count(int(config["num_attention_heads"]))
        writer.add_layer_norm_eps(float(config.get("layer_norm_eps", 1e-12)))
        writer.add_causal_attention(False)
        writer.add_pooling_type(_pooling(folder))
        writer.add_file_type(
            gguf.LlamaFileType.MOSTLY_F16 if outtype == "f16" else gguf.LlamaFileType.ALL_F32
        )
        writer.add_tokenizer_model("bert")
        writer.add_token_list(tokens)
        writer.add_token_types(types)
        writer.add_token_type_count(int(config.get("type_vocab_size", 2)))
        gguf.SpecialVocab(folder, n_vocab=len(tokens)).add_to_gguf(writer)
        for hf_name, tensor in weights.items():
            if hf_name.endswith("position_ids") or "pooler." in hf_name:
                continue  # not used for embeddings
            new_name = name_map.get_name(hf_name, try_suffixes=(".weight", ".bias"))
            if new_name is None:
                raise ModelInvalidError(f"unexpected tensor {hf_name} in {weights_path.name}")
            data = tensor.astype(np.float32)
            # Only matrices that llama.cpp multiplies or looks up may be f16: position and
            # token-type embeddings are added to f32 activations directly and must stay f32.
            if data.ndim == 2 and not new_name.startswith(("position_embd", "token_types")):
                data = data.astype(float_type)
            writer.add_tensor(new_name, data)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        os.replace(tmp, out)
    except BaseException:
        writer.close()
        tmp.unlink(missing_ok=True)
        raise
    return out


def quantize(source: Path, out: Path, qtype: str) -> Path:
    """Quantize a GGUF model with llama.cpp; the result is renamed into place when complete."""
    if qtype not in QUANT_TYPES:
        raise InvalidInputError(f"unknown type {qtype}; choose one of {', '.join(QUANT_TYPES)}")
    if not source.is_file():
        raise InvalidInputError(f"{source} does not exist")
    tmp = out.with_name(f".{out.name}.part")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = QUANT_TYPES[qtype]
    params.nthread = max(1, (os.cpu_count() or 2) - 1)
    result = llama_cpp.llama_model_quantize(
        str(source).encode(), str(tmp).encode(), ctypes.byref(params)
    )
    if result != 0 or not tmp.exists():
        tmp.unlink(missing_ok=True)
        raise ModelInvalidError(f"llama.cpp could not quantize {source.name} to {qtype}")
    os.replace(tmp, out)
    return out
