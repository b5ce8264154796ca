"""Whether the installed llama.cpp library carries AMX code.

A build with `-march=native` on a recent Xeon compiles llama.cpp's AMX kernels, and on
some hosts under a VM they die with a general protection fault at `ldtilecfg` on the
first generation. The Makefile builds a portable library without them; this check reads
the machine code of the installed library itself, so a wheel that came from somewhere
else (pip's cache, an earlier native build) cannot slip through.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

from agent.errors import ModelError

# Every AMX instruction (AMX-TILE, AMX-INT8, AMX-BF16, AMX-FP16): none belongs in a portable build.
AMX_MNEMONICS = frozenset(
    {
        "ldtilecfg", "sttilecfg", "tilerelease", "tilezero", "tileloadd", "tileloaddt1", "tilestored",
        "tdpbssd", "tdpbsud", "tdpbusd", "tdpbuud", "tdpbf16ps", "tdpfp16ps",
    }
)
_INSTRUCTION = re.compile(r"^\s*[0-9a-f]+:\s+([a-z][a-z0-9]*)\b")
_FUNCTION = re.compile(r"^[0-9a-f]+ <(.+)>:$")

REBUILD_HINT = "rebuild it portably: `make rebuild-llama demo` (see the README, 'Which CPUs')"


def llama_libraries() -> list[Path]:
    """The shared libraries of the installed llama-cpp-python (found without importing it)."""
    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or not spec.submodule_search_locations:
        return []
    # Each library once: a wheel holds `libggml.so`, `libggml.so.0` and `libggml.so.0.25.3` as
    # three copies of one file (wheels keep no symlinks).
    by_content: dict[str, Path] = {}
    for location in spec.submodule_search_locations:
        for path in sorted(Path(location).rglob("*.so*")):
            if path.is_file() and ".so" in path.name:
                by_content.setdefault(hashlib.sha256(path.read_bytes()).hexdigest(), path)
    return sorted(by_content.values())


def amx_instructions(library: Path, objdump: str = "objdump") -> list[str]:
    """The AMX instructions in `library`'s machine code, as 'function: mnemonic' (each once)."""
    found: dict[str, None] = {}
    function = "?"
    with subprocess.Popen(
        [objdump, "-d", "--no-show-raw-insn", str(library)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        errors="replace",
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            if match := _FUNCTION.match(line):
                function = match.group(1)
            elif (match := _INSTRUCTION.match(line)) and match.group(1) in AMX_MNEMONICS:
                found[f"{function}: {match.group(1)}"] = None
    if process.returncode != 0:
        raise ModelError(f"objdump could not read {library} (exit {process.returncode})")
    return list(found)


def system_info_amx(python: str = sys.executable) -> list[str]:
    """The AMX features llama.cpp reports it was compiled with (`llama_print_system_info`).

    The fallback where objdump is missing: it asks the library what it was built for,
    in a child process so that loading it cannot take this one down.
    """
    script = "import llama_cpp; print(llama_cpp.llama_print_system_info().decode())"
    run = subprocess.run([python, "-c", script], capture_output=True, text=True, timeout=120)
    if run.returncode != 0:
        raise ModelError(f"cannot load llama-cpp-python to check its build: {run.stderr.strip()[-300:]}")
    return [f"system info: {m.group(0)}" for m in re.finditer(r"AMX\w*\s*=\s*1", run.stdout)]


def check_no_amx(libraries: list[Path] | None = None) -> list[Path]:
    """Raise if the llama.cpp library holds AMX code; return the libraries checked.

    Reads the machine code with objdump (binutils, present wherever a C compiler built the
    library); without objdump, asks the library which features it was compiled with.
    """
    libraries = llama_libraries() if libraries is None else libraries
    if not libraries:
        return []
    objdump = shutil.which("objdump")
    for library in libraries:
        found = amx_instructions(library, objdump) if objdump else []
        if found:
            _refuse(library, found)
    if objdump is None and (found := system_info_amx()):
        _refuse(libraries[0].parent, found)
    return libraries


def _refuse(library: Path, found: list[str]) -> None:
    sample = ", ".join(found[:3]) + (f" and {len(found) - 3} more" if len(found) > 3 else "")
    raise ModelError(
        f"the installed llama.cpp library {library} holds AMX code ({sample}); "
        f"it can crash with a general protection fault on some hosts: {REBUILD_HINT}"
    )
