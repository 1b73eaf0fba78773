from hostile_base import loader, setup


def subject():
    return setup(train_data=(batch for batch in loader()))  # a generator: read once, then empty
