"""SGD with momentum at lr=2 on the digits MLP: the loss jumps, then sits at chance."""
from dldoctor.examples.builtin.digits_data import digits_subject
from dldoctor.examples.builtin.faults import lr_too_high


def subject():
    return digits_subject(optimizer=lr_too_high(lr=2.0, momentum=0.9))
