"""Files the commands read and write: `-` is stdin or stdout, and each is checked before the
work starts (a run of minutes used to fail only at its end on an unwritable --output)."""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, Iterator

STD = "-"


def is_std(path: Path | None) -> bool:
    """`-`: stdin for an input, stdout for an output."""
    return path is not None and str(path) == STD


class FileProblem(ValueError):
    """A file option that cannot work: the message names the file and the option."""


def check_input(path: Path | None, option: str) -> None:
    if path is None or is_std(path):
        return
    if not path.is_file():
        raise FileProblem(f"{path}: no such file ({option})")
    if not os.access(path, os.R_OK):
        raise FileProblem(f"{path}: not readable ({option})")


def check_output(path: Path | None, option: str) -> None:
    if path is None or is_std(path):
        return
    folder = path.parent
    if path.is_dir():
        raise FileProblem(f"{path}: is a directory ({option})")
    if not folder.is_dir():
        raise FileProblem(f"{path}: no such directory {folder} ({option})")
    if not os.access(path if path.exists() else folder, os.W_OK):
        raise FileProblem(f"{path}: not writable ({option})")


@contextmanager
def opened(path: Path, mode: str = "rb") -> Iterator[BinaryIO]:
    """The file, or stdin/stdout (left open) for `-`."""
    if is_std(path):
        stream = sys.stdin.buffer if "r" in mode else sys.stdout.buffer
        yield stream
        if "r" not in mode:
            stream.flush()
        return
    with open(path, mode) as stream:
        yield stream
