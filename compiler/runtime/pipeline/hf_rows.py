# distillgen 0.1.0 runtime, copied verbatim: identical in every project.
# Do not edit. Source: distillgen/runtime/pipeline/hf_rows.py
"""Reading a Hugging Face dataset (copied only into projects whose spec reads one): a
directory written by ``save_to_disk`` (a DatasetDict's split is schema.HF_SPLIT) or a hub
dataset (schema.HUB: id, split, revision), loaded with ``datasets``.

The dataset is memory-mapped Arrow; it is read a batch of rows at a time, each row as a
JSONL line would give it, numbered from 1: the data step names them "<name>:<row>".
"""

from pathlib import Path

from . import schema

HF_SPLIT = getattr(schema, "HF_SPLIT", "train")


def read_hf(source, error: type[Exception], batch_rows: int = 256):
    """Yield (row number, row dict, None) per row of ``source`` (a saved dataset's directory,
    or the hub dict); a dataset that cannot be loaded raises ``error`` saying why."""
    dataset = load(source, error)
    number = 0
    for table in dataset.with_format("arrow").iter(batch_size=batch_rows):
        for row in table.to_pylist():
            number += 1
            yield number, row, None


def load(source, error: type[Exception]):
    import datasets

    if isinstance(source, dict):
        return load_hub(source, error)
    path = Path(source)
    try:
        loaded = datasets.load_from_disk(str(path))
    except (FileNotFoundError, ValueError, OSError) as exc:
        raise error(
            f"{path}: not a dataset written by save_to_disk ({type(exc).__name__}: {exc})"
        ) from None
    if isinstance(loaded, datasets.DatasetDict):
        if HF_SPLIT not in loaded:
            raise error(
                f"{path}: the saved dataset has no split {HF_SPLIT!r} (its splits: "
                f"{', '.join(map(repr, loaded))}); set data.hf_split to one of them"
            )
        loaded = loaded[HF_SPLIT]
    return loaded


def load_hub(hub: dict, error: type[Exception]):
    import datasets

    revision = f", revision {hub['revision']!r}" if hub.get("revision") else ""
    try:
        return datasets.load_dataset(hub["id"], split=hub["split"], revision=hub.get("revision"))
    except Exception as exc:  # noqa: BLE001 - network, login, a missing dataset or split
        raise error(
            f"cannot load the hub dataset {hub['id']!r} (split {hub['split']!r}{revision}): "
            f"{type(exc).__name__}: {exc}\n"
            "The data step downloads it with datasets.load_dataset: this machine must reach "
            "huggingface.co (for a gated dataset, log in first: huggingface-cli login). "
            "Without network: save it where there is one (dataset.save_to_disk(DIR)), copy DIR "
            "next to the spec and set data.source: DIR instead of data.hub."
        ) from None
