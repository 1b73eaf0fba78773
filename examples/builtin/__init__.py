"""Built-in example targets: small set-ups on sklearn's bundled digits, one fault each (or none).

``dldoctor examples`` lists them; ``dldoctor diagnose --example NAME`` diagnoses one.  Each module
exposes ``subject()``, like any target.  Name -> (module, one-line description).
"""

EXAMPLES: dict[str, tuple[str, str]] = {
    "healthy-digits": ("dldoctor.examples.builtin.healthy_digits",
                       "A healthy MLP on the 8x8 digits: scaled pixels, shuffled batches, Adam 1e-3."),
    "softmax-before-ce": ("dldoctor.examples.builtin.softmax_before_ce",
                          "The model ends in a softmax and is trained with CrossEntropyLoss."),
    "lr-too-high": ("dldoctor.examples.builtin.lr_too_high",
                    "SGD with momentum at lr=2: the loss jumps and settles at chance."),
    "missing-zero-grad": ("dldoctor.examples.builtin.missing_zero_grad",
                          "A hand-written train_step that never calls optimizer.zero_grad()."),
    "frozen-body": ("dldoctor.examples.builtin.frozen_body",
                    "A freezing loop froze every layer but the output head."),
    "unshuffled-sorted": ("dldoctor.examples.builtin.unshuffled_sorted",
                          "Training data sorted by class and loaded with shuffle=False."),
    "raw-pixels": ("dldoctor.examples.builtin.raw_pixels",
                   "Pixels fed as 0..255 without scaling, trained with SGD."),
}
