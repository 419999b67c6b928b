"""Tiny generated models: a LLaMA-architecture GGUF base with random weights, and LoRA adapters.

They let tests and CI exercise the real llama.cpp loading, adapter switching and grammar code
with no downloaded weights. The vocabulary is byte-level (<unk>, <s>, </s>, then one token per
byte), so any text tokenizes and a grammar can always be satisfied. Dimensions are multiples of
256 so the base also quantizes cleanly (K-quants need rows of 256). The output is random text, but
it is produced by exactly the code paths a real model uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import gguf
import numpy as np
import numpy.typing as npt

ARCH = "llama"
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)


@dataclass(frozen=True)
class TinySpec:
    """Shape of a tiny base model."""

    n_embd: int = 256
    n_ff: int = 512
    n_layer: int = 2
    n_head: int = 4
    n_ctx: int = 8192

    @property
    def layer_tensors(self) -> dict[str, tuple[int, ...]]:
        """Per-layer tensor shapes as numpy sees them: (n_out, n_in)."""
        e, f = self.n_embd, self.n_ff
        return {
            "attn_norm": (e,),
            "attn_q": (e, e),
            "attn_k": (e, e),
            "attn_v": (e, e),
            "attn_output": (e, e),
            "ffn_norm": (e,),
            "ffn_gate": (f, e),
            "ffn_up": (f, e),
            "ffn_down": (e, f),
        }


def byte_vocab() -> tuple[list[str], list[int]]:
    """Tokens and token types of the byte-level vocabulary."""
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    types = [gguf.TokenType.UNKNOWN, gguf.TokenType.CONTROL, gguf.TokenType.CONTROL]
    types += [gguf.TokenType.BYTE] * 256
    return tokens, [int(t) for t in types]


def _random(
    rng: np.random.Generator, shape: tuple[int, ...], scale: float
) -> npt.NDArray[np.float32]:
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def write_base(path: Path, seed: int = 0, spec: TinySpec = TinySpec(), name: str = "tiny") -> Path:
    """Write a tiny LLaMA base model with random weights to `path`."""
    rng = np.random.default_rng(seed)
    tokens, types = byte_vocab()
    writer = gguf.GGUFWriter(str(path), ARCH)
    writer.add_name(name)
    writer.add_context_length(spec.n_ctx)
    writer.add_embedding_length(spec.n_embd)
    writer.add_block_count(spec.n_layer)
    writer.add_feed_forward_length(spec.n_ff)
    writer.add_head_count(spec.n_head)
    writer.add_head_count_kv(spec.n_head)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_rope_dimension_count(spec.n_embd // spec.n_head)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_scores([0.0] * len(tokens))
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_unk_token_id(0)
    writer.add_add_bos_token(True)
    writer.add_chat_template(CHAT_TEMPLATE)
    e = spec.n_embd
    writer.add_tensor("token_embd.weight", _random(rng, (len(tokens), e), 0.5))
    writer.add_tensor("output_norm.weight", np.ones(e, dtype=np.float32))
    writer.add_tensor("output.weight", _random(rng, (len(tokens), e), 0.5))
    for layer in range(spec.n_layer):
        for tensor, shape in spec.layer_tensors.items():
            data = (
                np.ones(shape, dtype=np.float32)
                if len(shape) == 1
                else _random(rng, shape, 1.0 / np.sqrt(shape[1]))
            )
            writer.add_tensor(f"blk.{layer}.{tensor}.weight", data)
    _finish(writer)
    return path


def write_adapter(
    path: Path,
    seed: int,
    spec: TinySpec = TinySpec(),
    rank: int = 8,
    alpha: float = 16.0,
    base_sha256: str | None = None,
    targets: tuple[str, ...] = ("attn_q", "attn_v", "ffn_up"),
) -> Path:
    """Write a LoRA adapter for a tiny base of shape `spec`, with random low-rank updates."""
    rng = np.random.default_rng(seed)
    writer = gguf.GGUFWriter(str(path), ARCH)
    writer.add_string("general.type", "adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", alpha)
    if base_sha256:
        writer.add_string("mnemo.adapter.base_sha256", base_sha256)
    for layer in range(spec.n_layer):
        for tensor in targets:
            n_out, n_in = spec.layer_tensors[tensor]  # adapters target matrices only
            name = f"blk.{layer}.{tensor}.weight"
            writer.add_tensor(f"{name}.lora_a", _random(rng, (rank, n_in), 0.5).astype(np.float16))
            writer.add_tensor(f"{name}.lora_b", _random(rng, (n_out, rank), 0.5).astype(np.float16))
    _finish(writer)
    return path


def _finish(writer: gguf.GGUFWriter) -> None:
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
