#!/usr/bin/env python3
"""Loads a model exported by `wordmill rnn export` into torch.nn.LSTM/GRU and compares the logits
of a batch with wordmill's (tests/rnn_torch_test.cc writes both inputs).

usage: rnn_torch_check.py EXPORT_DIR SPEC_FILE TOKENS_FILE LOGITS_FILE
  SPEC_FILE:   `task cell bidirectional layers hidden pooling tied` (ints and names)
  TOKENS_FILE: one example per line, word ids separated by spaces
  LOGITS_FILE: wordmill's logits, one row per example (classify) or per token (tag, lm),
               in example order
Exits 0 when every logit agrees within 1e-4 (absolute) and prints the largest difference.
Examples are run one at a time, unpadded, so that wordmill's masking is checked too.
"""
import sys

import numpy as np
import torch


def main():
    export, spec_file, tokens_file, logits_file = sys.argv[1:5]
    task, cell, bidirectional, layers, hidden, pooling, tied = open(spec_file).read().split()
    bidirectional, layers, hidden, tied = bool(int(bidirectional)), int(layers), int(hidden), bool(int(tied))
    load = lambda name: torch.from_numpy(np.load(f"{export}/{name}.npy").astype(np.float32))
    embedding = load("embedding")
    dim = embedding.shape[1]
    rnn_class = torch.nn.LSTM if cell == "lstm" else torch.nn.GRU
    rnn = rnn_class(dim, hidden, num_layers=layers, bidirectional=bidirectional)
    with torch.no_grad():
        for name, param in rnn.named_parameters():
            if cell == "lstm" and name.startswith("bias_"):
                suffix = name[len("bias_ih"):]
                bias = load("bias" + suffix).reshape(-1)
                param.copy_(bias if name.startswith("bias_ih") else torch.zeros_like(bias))
            else:
                param.copy_(load(name).reshape(param.shape))
    bias = load("head.bias").reshape(-1)
    weight = embedding if tied else load("head.weight")
    rnn.eval()
    rows = []
    with torch.no_grad():
        for line in open(tokens_file):
            ids = torch.tensor([int(x) for x in line.split()], dtype=torch.long)
            x = embedding[ids].unsqueeze(1)  # T x 1 x dim
            out, _ = rnn(x)
            out = out[:, 0, :]  # T x features
            if task == "classify":
                if pooling == "last":
                    pooled = out[-1, :hidden]
                    if bidirectional:
                        pooled = torch.cat([pooled, out[0, hidden:]])
                elif pooling == "mean":
                    pooled = out.mean(0)
                else:
                    pooled = out.max(0).values
                rows.append(weight @ pooled + bias)
            else:
                rows.extend(out @ weight.T + bias)
    torch_logits = torch.stack(rows).numpy()
    ours = np.loadtxt(logits_file, dtype=np.float32, ndmin=2)
    if ours.shape != torch_logits.shape:
        print(f"shape mismatch: wordmill {ours.shape}, torch {torch_logits.shape}")
        return 1
    diff = float(np.abs(ours - torch_logits).max())
    print(f"max |wordmill - torch| = {diff:.3g} over {ours.size} logits")
    return 0 if diff < 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
