"""Source: https://github.com/NVIDIA/DeepLearningExamples/issues/172 ("Train a domain-specific BERT model, get very
large loss": the learning rate was scaled up by the number of GPUs)

The reporter multiplied the learning rate by the worker count on top of a rate already meant for the global
batch; the loss gets very large at some point and never drops again.
"""
import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

BASE_LR, WORKERS = 6e-3, 8


class Tokens(Dataset):
    def __init__(self, n, rng):
        self.ids = rng.integers(5, 60, size=(n, 16))
        self.labels = (self.ids[:, 0] % 3).astype(np.int64)

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
                        intermediate_size=64, max_position_embeddings=32, num_labels=3)
    return {"model": BertForSequenceClassification(config),
            "train_data": DataLoader(Tokens(512, rng), batch_size=16, shuffle=True),
            "val_data": DataLoader(Tokens(128, rng), batch_size=64),
            "optimizer": lambda p: torch.optim.AdamW(p, lr=BASE_LR * WORKERS)}
