"""Trains a tiny GPT-shaped causal language model on Freshet's corpus and writes it as a model
directory serving can load (manifest type torchscript-causal-lm): model.pt (TorchScript),
tokenizer.json (HuggingFace, word level) and manifest.properties.

It exists to prove the TorchScript plug, not to beat the default GRU: a few hundred steps on a CPU.
Usage: python3 tiny_gpt.py CORPUS.jsonl OUT_DIR [STEPS]   (see bin/make-torchscript-model)
"""
import json
import os
import re
import sys
import time

import torch
from torch import nn

SPECIALS = ["<pad>", "<unk>", "<bos>", "<sep>", "<eos>"]
CONTEXT = 128  # positions the model has; serving keeps the last CONTEXT tokens
TRAIN_LENGTH = 64  # every corpus example fits: training on shorter rows is ~4x cheaper
WORD = re.compile(r"\w+|[^\w\s]")  # what the tokenizer's Whitespace pre-tokenizer splits on


class TinyGpt(nn.Module):
    def __init__(self, vocab: int, width: int = 64, heads: int = 4, layers: int = 2):
        super().__init__()
        self.tokens = nn.Embedding(vocab, width)
        self.positions = nn.Embedding(CONTEXT, width)
        layer = nn.TransformerEncoderLayer(width, heads, 4 * width, dropout=0.0, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, layers)
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, vocab)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """ids (batch, time) -> logits (batch, time, vocab); position t sees tokens 0..t only."""
        t = ids.size(1)
        causal = torch.triu(torch.full((t, t), float("-inf")), diagonal=1)
        positions = torch.arange(t, device=ids.device).unsqueeze(0)
        x = self.blocks(self.tokens(ids) + self.positions(positions), mask=causal)
        return self.head(self.norm(x))


def main() -> None:
    corpus, out = sys.argv[1], sys.argv[2]
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 400
    torch.manual_seed(42)
    torch.set_num_threads(1)
    with open(corpus, encoding="utf-8") as f:
        catalog = json.loads(f.readline())  # the profile values the corpus conditions on
        examples = [json.loads(line) for line in f]
    words = {}
    for e in examples:
        for w in WORD.findall((e["prompt"] + " " + e["completion"]).lower()):
            words.setdefault(w, len(words))
    vocab = {t: i for i, t in enumerate(SPECIALS)}
    for w in words:
        vocab.setdefault(w, len(vocab))
    bos, sep, eos, pad = vocab["<bos>"], vocab["<sep>"], vocab["<eos>"], vocab["<pad>"]

    def encode(text):
        return [vocab.get(w, vocab["<unk>"]) for w in WORD.findall(text.lower())]

    rows, masks = [], []
    for e in examples:
        p, c = [bos] + encode(e["prompt"]) + [sep], encode(e["completion"]) + [eos]
        ids = (p + c)[:TRAIN_LENGTH]
        rows.append(ids + [pad] * (TRAIN_LENGTH - len(ids)))
        masks.append(([0] * len(p) + [1] * len(c))[:TRAIN_LENGTH] + [0] * (TRAIN_LENGTH - len(ids)))
    data, mask = torch.tensor(rows), torch.tensor(masks, dtype=torch.float32)

    model = TinyGpt(len(vocab))
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    started = time.time()
    for step in range(1, steps + 1):
        pick = torch.randint(0, len(rows), (32,))
        x, y, m = data[pick, :-1], data[pick, 1:], mask[pick, 1:]
        loss = (nn.functional.cross_entropy(model(x).transpose(1, 2), y, reduction="none") * m).sum() / m.sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 50 == 0 or step == steps:
            print(f"step {step}/{steps}  loss {loss.item():.4f} nats/token  {time.time() - started:.0f} s", flush=True)

    model.eval()
    os.makedirs(out, exist_ok=True)
    torch.jit.script(model).save(os.path.join(out, "model.pt"))
    tokenizer = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [{"id": vocab[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for t in SPECIALS],
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": None,
        "decoder": None,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "<unk>"},
    }
    with open(os.path.join(out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer, f)
    manifest = {
        "type": "torchscript-causal-lm",
        "name": "tiny-gpt",
        "version": f"steps{steps}-seed42",
        "model-file": "model",
        "tokenizer": "tokenizer.json",
        "prompt.template": "<bos> {prompt} <sep>",
        "end-token": "<eos>",
        "pad-token": "<pad>",
        "max-context": str(CONTEXT),
        "detokenize": "words",
        "generation.max-tokens": "64",
        "generation.temperature": "0",
        "generation.top-k": "0",
        "profile.categories": ",".join(catalog["categories"]),
        "profile.authors": ",".join(catalog["authors"]),
        "trained-by": f"bin/make-torchscript-model OUT {steps}",
    }
    with open(os.path.join(out, "manifest.properties"), "w", encoding="utf-8") as f:
        f.write("# written by serving/src/main/python/tiny_gpt.py; do not edit\n")
        f.writelines(f"{k}={v}\n" for k, v in sorted(manifest.items()))
    print(f"wrote {out} ({len(vocab)} tokens)")


if __name__ == "__main__":
    main()
