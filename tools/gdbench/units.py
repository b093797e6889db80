"""Units and size labels: the part of the bench's vocabulary that needs no
cloud, so that the documentation build can render a run's results
(report, plot) without reading GD_* or importing gdcloud."""

MiB = 1024 * 1024
GiB = 1024 * MiB


def parse_size(text):
    text = text.strip().upper().rstrip('B').rstrip('I')
    units = {'K': 1024, 'M': MiB, 'G': GiB}
    if text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def size_label(size):
    if size % GiB == 0:
        return '%d GiB' % (size // GiB)
    return '%d MiB' % (size // MiB)
