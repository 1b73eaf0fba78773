from hostile_base import data, setup


def subject():
    x, y = data()
    return setup(train_data=[(x[i:i + 16], y[i:i + 12]) for i in range(0, 64, 16)])
