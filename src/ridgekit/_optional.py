"""The one message for a missing optional dependency (``ridgekit.keras``, ``.optax``, ``.nn``).

Each subpackage imports its framework statically and, on ImportError, raises
:func:`missing_dependency` from it, so the install hint reads the same everywhere.
"""

from __future__ import annotations


def missing_dependency(feature: str, what: str, extra: str, *, plural: bool = False) -> ImportError:
    """``ImportError("<feature> needs <what>, which is not installed. Install it with:
    pip install ridgekit[<extra>]")`` (``are`` / ``them`` when ``plural``)."""
    verb, pronoun = ("are", "them") if plural else ("is", "it")
    return ImportError(
        f"{feature} needs {what}, which {verb} not installed. "
        f"Install {pronoun} with: pip install ridgekit[{extra}]"
    )
