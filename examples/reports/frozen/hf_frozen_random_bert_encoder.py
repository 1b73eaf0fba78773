"""Source: https://github.com/lee-man/movenet/issues/9 and https://github.com/pytorch/vision/issues/2164, the same
fault in a Hugging Face text classifier (the encoder built from a config, i.e. random, then frozen)

The script builds BertForSequenceClassification from a BertConfig instead of from_pretrained and then freezes
model.bert "to fine-tune only the head"; the loss barely moves below chance.
"""
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


class Tokens(Dataset):
    def __init__(self, n, rng):
        self.ids = rng.integers(5, 60, size=(n, 16))
        self.labels = ((self.ids[:, :4] < 30).sum(axis=1) >= 2).astype(np.int64)

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        return {"input_ids": torch.tensor(self.ids[i]), "attention_mask": torch.ones(16, dtype=torch.long),
                "labels": torch.tensor(self.labels[i])}


def subject():
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    config = BertConfig(vocab_size=64, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=32, num_labels=2)
    model = BertForSequenceClassification(config)  # from_pretrained was meant
    model.bert.requires_grad_(False)
    return {"model": model, "train_data": DataLoader(Tokens(512, rng), batch_size=16, shuffle=True),
            "val_data": DataLoader(Tokens(128, rng), batch_size=64),
            "optimizer": lambda p: torch.optim.AdamW(p, lr=1e-3)}
