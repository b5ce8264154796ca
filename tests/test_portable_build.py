"""The AMX check that `agent model install` runs on the installed llama.cpp library.

Libraries are compiled here from a few lines of C: one with AMX instructions (what a
`-march=native` build on a recent Xeon holds) and one without.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from agent.errors import ModelError
from agent.model.portable_build import amx_instructions, check_no_amx

pytestmark = pytest.mark.skipif(
    not (shutil.which("gcc") and shutil.which("objdump")), reason="needs gcc and objdump"
)

AMX_SOURCE = """
void configure_tiles(const void *config) { __asm__ volatile("ldtilecfg (%0)" :: "r"(config)); }
void release_tiles(void) { __asm__ volatile("tilerelease"); }
"""
PLAIN_SOURCE = "int add(int a, int b) { return a + b; }\n"


def _library(tmp_path: Path, name: str, source: str) -> Path:
    c_file = tmp_path / f"{name}.c"
    c_file.write_text(source)
    library = tmp_path / f"lib{name}.so"
    subprocess.run(["gcc", "-shared", "-fPIC", "-o", str(library), str(c_file)], check=True)
    return library


def test_amx_instructions_are_found_with_their_function(tmp_path: Path) -> None:
    library = _library(tmp_path, "ggml-cpu", AMX_SOURCE)
    assert amx_instructions(library) == ["configure_tiles: ldtilecfg", "release_tiles: tilerelease"]


def test_a_library_with_amx_code_is_refused_with_the_way_to_rebuild(tmp_path: Path) -> None:
    plain = _library(tmp_path, "ggml-base", PLAIN_SOURCE)
    amx = _library(tmp_path, "ggml-cpu", AMX_SOURCE)
    with pytest.raises(ModelError) as refused:
        check_no_amx([plain, amx])
    message = str(refused.value)
    assert str(amx) in message and "ldtilecfg" in message
    assert "make rebuild-llama" in message


def test_a_portable_library_passes(tmp_path: Path) -> None:
    plain = _library(tmp_path, "ggml-cpu", PLAIN_SOURCE)
    assert amx_instructions(plain) == []
    assert check_no_amx([plain]) == [plain]
