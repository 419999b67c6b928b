"""The on-device LLM: one llama.cpp base model per process, per-operation adapters, JSON out.

`LlamaRuntime` implements the `LLM` port and its `StreamingLLM` extension (the generated text is
handed over piece by piece, and a generation stops when its cancel event is set). The base GGUF is validated, then loaded once (mmap, the
thread count from settings: cores - 1 by default, since two busy threads on a two-core machine
collapse throughput). Each call switches to the operation's adapter on the live context, applies
the model's own chat template (through llama-cpp-python's chat handler), constrains generation with
the grammar of the operation's JSON schema, and returns the parsed, validated value. All inference
runs on one worker thread, so calls from the GUI, the CLI or the sleep job queue up instead of
sharing a context; a generation can be cancelled between tokens.
"""

from __future__ import annotations

import codecs
import functools
import os
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import llama_cpp
import numpy as np
import numpy.typing as npt
from llama_cpp.llama_chat_format import Jinja2ChatFormatter

from core.errors import CancelledError, ModelInvalidError, ModelMissingError, ModelOutputError
from core.ports import OPERATIONS
from models.adapters import AdapterSet, AdapterStatus, Manifest, model_sha256, read_gguf_header
from models.grammars import grammar_for, parse_output

GGUF_MAGIC = b"GGUF"


def default_threads() -> int:
    return max(1, (os.cpu_count() or 2) - 1)


@functools.cache
def prompt_for(operation: str) -> str:
    """The system prompt of an operation, from resources/prompts/."""
    return resources.files("resources").joinpath(f"prompts/{operation}.md").read_text("utf-8")


def validate_gguf(path: Path, kind: str = "model") -> None:
    """Clear errors for a missing, unreadable or non-GGUF file, before llama.cpp sees it."""
    if not path.exists():
        raise ModelMissingError(f"the {kind} file {path} does not exist")
    try:
        with path.open("rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise ModelInvalidError(f"cannot read the {kind} file {path}: {exc.strerror}") from None
    if magic != GGUF_MAGIC:
        raise ModelInvalidError(f"{path.name} is not a GGUF {kind} file")


@dataclass
class RuntimeConfig:
    """How the base model is run."""

    n_ctx: int = 4096
    n_threads: int = 0  # 0: cores - 1
    n_batch: int = 512
    seed: int = 0
    max_tokens: int = 512


class LlamaRuntime:
    """A loaded base model with its adapters; implements the `LLM` port."""

    def __init__(
        self,
        model_path: Path,
        models_dir: Path | None = None,
        config: RuntimeConfig | None = None,
        manifest: Manifest | None = None,
        base_sha256: str | None = None,
    ) -> None:
        self.config = config or RuntimeConfig()
        self.model_path = model_path
        validate_gguf(model_path)
        header = read_gguf_header(model_path)
        self.architecture = str(header.get("general.architecture", ""))
        self.base_sha256 = base_sha256 or model_sha256(model_path)
        threads = self.config.n_threads or default_threads()
        try:
            self.llm = llama_cpp.Llama(
                model_path=str(model_path),
                n_ctx=self.config.n_ctx,
                n_threads=threads,
                n_threads_batch=threads,
                n_batch=self.config.n_batch,
                seed=self.config.seed,
                use_mmap=True,
                verbose=False,
            )
        except ValueError as exc:
            raise ModelInvalidError(f"llama.cpp could not load {model_path.name}: {exc}") from None
        self._vocab = llama_cpp.llama_model_get_vocab(self.llm.model)
        models_dir = models_dir or model_path.parent
        self.adapters = AdapterSet(
            self.llm.model,
            self.llm.ctx,
            manifest if manifest is not None else Manifest.load(models_dir),
            models_dir,
            self.base_sha256,
            self.architecture,
            OPERATIONS,
        )
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mnemo-inference")
        self._closed = False

    # -- the LLM port ----------------------------------------------------------------------
    def run(self, operation: str, prompt: str, schema: Mapping[str, Any]) -> Any:
        """Run a memory operation and return its schema-valid JSON value."""
        return self.submit(operation, prompt, schema).result()

    def run_streaming(
        self,
        operation: str,
        prompt: str,
        schema: Mapping[str, Any],
        on_token: Callable[[str], None],
        cancel: threading.Event | None = None,
    ) -> Any:
        """`run`, with each decoded piece of the output passed to `on_token` (on the worker)."""
        return self.submit(operation, prompt, schema, cancel=cancel, on_token=on_token).result()

    def submit(
        self,
        operation: str,
        prompt: str,
        schema: Mapping[str, Any],
        cancel: threading.Event | None = None,
        on_token: Callable[[str], None] | None = None,
        seed: int | None = None,
    ) -> Future[Any]:
        """Queue an operation on the inference worker; the future holds the parsed value."""
        return self._worker.submit(self._run, operation, prompt, schema, cancel, on_token, seed)

    def _run(
        self,
        operation: str,
        prompt: str,
        schema: Mapping[str, Any],
        cancel: threading.Event | None,
        on_token: Callable[[str], None] | None,
        seed: int | None,
    ) -> Any:
        if cancel is not None and cancel.is_set():  # cancelled while queued behind other work
            raise CancelledError("cancelled")
        self.switch(operation)
        messages = [
            {"role": "system", "content": prompt_for(operation)},
            {"role": "user", "content": prompt},
        ]
        text, finish = self._chat(messages, grammar_for(schema), cancel, on_token, seed)
        return parse_output(text, schema, finish)

    # -- pieces ----------------------------------------------------------------------------
    def switch(self, operation: str | None) -> None:
        """Activate the operation's adapter and drop the KV cache computed under another one."""
        if self.adapters.activate(operation):
            self.reset()

    def reset(self) -> None:
        self.llm.reset()  # type: ignore[no-untyped-call]
        llama_cpp.llama_memory_clear(llama_cpp.llama_get_memory(self.llm.ctx), True)

    def _prompt_tokens(self, messages: list[dict[str, str]]) -> list[int]:
        """The conversation rendered with the model's own chat template, as tokens."""
        template = self.llm.metadata.get("tokenizer.chat_template")
        add_bos = True
        if template:
            vocab = self.llm
            formatter = Jinja2ChatFormatter(
                template,
                eos_token=vocab.detokenize([vocab.token_eos()]).decode("utf-8", "replace"),
                bos_token=vocab.detokenize([vocab.token_bos()]).decode("utf-8", "replace"),
            )
            rendered = formatter(messages=messages)  # type: ignore[arg-type]
            text, add_bos = rendered.prompt, not rendered.added_special
        else:
            text = "".join(f"{m['role']}: {m['content']}\n" for m in messages) + "assistant: "
        return list(self.llm.tokenize(text.encode("utf-8"), add_bos=add_bos, special=True))

    def _chat(
        self,
        messages: list[dict[str, str]],
        grammar: Any,
        cancel: threading.Event | None,
        on_token: Callable[[str], None] | None,
        seed: int | None,
    ) -> tuple[str, str]:
        """Generate a reply token by token (our own loop: llama-cpp-python's streaming path
        re-detokenizes the whole output at every token, which is quadratic)."""
        prompt = self._prompt_tokens(messages)
        room = self.config.n_ctx - len(prompt)
        if room <= 1:
            raise ModelOutputError(
                f"the input ({len(prompt)} tokens) is longer than the model's context of "
                f"{self.config.n_ctx} tokens"
            )
        budget = min(self.config.max_tokens, room - 1)
        self.llm.set_seed(self.config.seed if seed is None else seed)
        # Byte-fallback tokens can form invalid UTF-8 that the grammar let through; dropping it
        # only shortens strings, so maxLength still holds (schemas avoid minLength for this).
        decoder = codecs.getincrementaldecoder("utf-8")(errors="ignore")
        parts: list[str] = []
        finish = "length"
        tokens = self.llm.generate(
            prompt, temp=0.0 if seed is None else 0.8, grammar=grammar, repeat_penalty=1.0
        )
        for generated, token in enumerate(tokens, start=1):
            if cancel is not None and cancel.is_set():
                raise CancelledError("cancelled")
            if llama_cpp.llama_vocab_is_eog(self._vocab, token):
                finish = "stop"
                break
            piece = decoder.decode(self.llm.detokenize([token]))
            if piece:
                parts.append(piece)
                if on_token:
                    on_token(piece)
            if generated >= budget:
                break
        parts.append(decoder.decode(b"", final=True))
        return "".join(parts), finish

    def complete(self, prompt: str, max_tokens: int = 32) -> str:
        """Plain greedy completion on the current adapter (for tests and smoke checks)."""
        out = self.llm.create_completion(prompt, max_tokens=max_tokens, temperature=0.0)
        return str(out["choices"][0]["text"])  # type: ignore[index]

    def tokens(self, text: str) -> list[int]:
        return list(self.llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def count_tokens(self, text: str) -> int:
        return len(self.tokens(text))

    def input_budget(self, operation: str) -> int:
        """Context left for a prompt after the operation's instructions, the chat template's
        framing and the longest output (`max_tokens`) are reserved."""
        framing = 32  # role markers and special tokens of the chat template
        used = self.count_tokens(prompt_for(operation)) + framing + self.config.max_tokens
        return max(0, self.config.n_ctx - used)

    def logits(self, prompt: str) -> npt.NDArray[np.float32]:
        """Next-token logits after `prompt` under the active adapter, from a cleared cache."""
        self.reset()
        self.llm.eval(self.llm.tokenize(prompt.encode("utf-8")))
        pointer = llama_cpp.llama_get_logits_ith(self.llm.ctx, -1)
        return np.ctypeslib.as_array(pointer, shape=(self.llm.n_vocab(),)).copy()

    def greedy_tokens(self, prompt: str, n: int) -> list[int]:
        """The next `n` greedy tokens after `prompt`, evaluated token by token."""
        out: list[int] = []
        for token in self.llm.generate(self.llm.tokenize(prompt.encode("utf-8")), temp=0.0):
            out.append(int(token))
            if len(out) == n:
                break
        return out

    def adapter_status(self) -> list[AdapterStatus]:
        return [self.adapters.status[op] for op in OPERATIONS]

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._worker.shutdown(wait=True)
        self.adapters.detach()  # adapters are freed with the model, after detaching
        self.llm.close()

    def __enter__(self) -> LlamaRuntime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
