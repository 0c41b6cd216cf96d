"""placeholder"""


def supported(dialect):
    return False
