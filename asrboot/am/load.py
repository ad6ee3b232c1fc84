"""``load_am(spec)``: turn an acoustic-model spec string into a backend.

Specs::

    builtin                      the shipped model (asrboot/models/hindi_grapheme_ctc)
    builtin:DIR                  a built-in model directory (model.pt, tokens.txt, features.json)
    hf:DIR[?tokens=FILE]         a local Hugging Face CTC model; vocabulary mapped onto FILE's units
    torchscript:PATH[?features=JSON&tokens=FILE&subsampling=4]   an icefall-style CTC export
"""

from __future__ import annotations

from typing import Dict
from urllib.parse import parse_qsl

from asrboot.am.base import AcousticModel

SCHEMES = ("builtin", "hf", "torchscript")
_OPTIONS = {"builtin": set(), "hf": {"tokens"}, "torchscript": {"features", "tokens", "subsampling"}}


def parse_spec(spec: str):
    """``(scheme, path, options)`` of a spec string."""
    scheme, _, rest = spec.partition(":")
    path, _, query = rest.partition("?")
    if scheme not in SCHEMES:
        raise ValueError(f"unknown acoustic model {spec!r}: expected one of {', '.join(s + ':...' for s in SCHEMES)}")
    options: Dict[str, str] = dict(parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query)))
    unknown = set(options) - _OPTIONS[scheme]
    if unknown:
        raise ValueError(f"{spec!r}: unknown option(s) {sorted(unknown)} for {scheme} "
                         f"(known: {sorted(_OPTIONS[scheme]) or 'none'})")
    if scheme != "builtin" and not path:
        raise ValueError(f"{spec!r}: {scheme} needs a path ({scheme}:PATH)")
    return scheme, path, options


def load_am(spec: str = "builtin") -> AcousticModel:
    """The backend named by ``spec`` (see the module docstring)."""
    scheme, path, options = parse_spec(spec)
    if scheme == "builtin":
        from asrboot.am.torchscript import BUILTIN_DIR, builtin_am

        return builtin_am(path or BUILTIN_DIR)
    if scheme == "hf":
        from asrboot.am.hf import HuggingFaceAM

        return HuggingFaceAM(path, tokens=options.get("tokens"))
    from asrboot.am.torchscript import torchscript_am

    return torchscript_am(path, options.get("features"), options.get("tokens"), int(options.get("subsampling", 4)))
