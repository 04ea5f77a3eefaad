"""Every λ-selection rule that works on one spectrum, by name: one registry shared by
:class:`ridgekit.linear_model.RidgeCV` (``cv="hkb"``, ...) and the command line.

=================  ====================================================================
name               rule (function)
=================  ====================================================================
``loo``            exact leave-one-out MSE (:func:`~ridgekit.select.loo`)
``gcv``            GCV, Golub–Heath–Wahba form (:func:`~ridgekit.select.gcv`)
``gcv-mass``       GCV, ``MASS::lm.ridge``'s form (``gcv(form="mass")``)
``hkb``            Hoerl–Kennard–Baldwin, MASS form (:func:`~ridgekit.select.hkb`)
``lawless-wang``   Lawless–Wang, MASS form (:func:`~ridgekit.select.lawless_wang`)
``lcurve``         L-curve corner (:func:`~ridgekit.select.lcurve`)
``discrepancy``    Morozov's discrepancy principle with s² of least squares
``evidence``       maximum marginal likelihood (:func:`~ridgekit.select.evidence`)
``df``             the λ with ``df`` effective degrees of freedom, intercept not counted
                   (:func:`~ridgekit.select.target_df`; ESL's df = 5 fit: ``df=5``)
=================  ====================================================================

k-fold cross-validation is not here: it needs per-fold moments, not one spectrum
(:func:`~ridgekit.select.kfold`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ridgekit.select._selection import Selection
from ridgekit.select.discrepancy import discrepancy
from ridgekit.select.estimators import hkb, lawless_wang, target_df
from ridgekit.select.evidence import evidence
from ridgekit.select.lcurve import lcurve
from ridgekit.select.loo import gcv, loo

__all__ = ["Rule", "RULES", "get_rule", "select_by_name"]


@dataclass(frozen=True)
class Rule:
    """A named λ-selection rule on a spectrum.

    Attributes
    ----------
    name : str
    label : str
        What it computes, with the form used (for summaries and the command line).
    select : callable
        ``select(spectrum, alphas, rule, per_target, warn_edge, options) -> Selection``;
        ``alphas`` None means the default grid (refined where the rule allows).
    needs_data : bool
        Needs the data in memory (the spectrum's U), e.g. leave-one-out.
    has_se : bool
        Gives standard errors, so ``rule="1se"`` applies.
    per_target_only : bool
        Gives one λ per target by its nature (no pooled form across targets).
    options : tuple of str
        Keyword options it takes (``"df"`` for ``df``).
    """

    name: str
    label: str
    select: Callable[..., Selection]
    needs_data: bool = False
    has_se: bool = False
    per_target_only: bool = False
    options: tuple[str, ...] = ()


def _df(spectrum, alphas, rule, per_target, warn_edge, options):
    if options.get("df") is None:
        raise ValueError("the 'df' rule needs the target degrees of freedom: give df=...")
    return target_df(spectrum, float(options["df"]))


RULES: dict[str, Rule] = {r.name: r for r in [
    Rule("loo", "leave-one-out MSE (exact)",
         lambda s, a, rule, pt, we, o: loo(s, a, rule, we, pt), needs_data=True, has_se=True),
    Rule("gcv", "GCV, Golub-Heath-Wahba form n*RSS/(n - tr H)^2 (tr H counts the intercept)",
         lambda s, a, rule, pt, we, o: gcv(s, a, we, pt, form="ghw")),
    Rule("gcv-mass", "GCV, MASS form RSS/(n - sum f)^2 (intercept not counted)",
         lambda s, a, rule, pt, we, o: gcv(s, a, we, pt, form="mass")),
    Rule("hkb", "modified HKB estimator, MASS form (p-2) s^2 / |b_LS|^2",
         lambda s, a, rule, pt, we, o: hkb(s, form="mass"), per_target_only=True),
    Rule("lawless-wang", "modified L-W estimator, MASS form (p-2) s^2 n / |X b_LS|^2",
         lambda s, a, rule, pt, we, o: lawless_wang(s, form="mass"), per_target_only=True),
    Rule("lcurve", "L-curve corner (maximum curvature, refined off the grid)",
         lambda s, a, rule, pt, we, o: lcurve(s, a, we), per_target_only=True),
    Rule("discrepancy", "discrepancy principle RSS = n s^2 (s^2 of least squares)",
         lambda s, a, rule, pt, we, o: discrepancy(s, a), per_target_only=True),
    Rule("evidence", "maximum evidence (empirical Bayes, continuous optimum)",
         lambda s, a, rule, pt, we, o: evidence(s, a, we), per_target_only=True),
    Rule("df", "target effective degrees of freedom (intercept not counted)", _df,
         options=("df",)),
]}


def get_rule(name: str) -> Rule:
    """The rule called ``name`` (``_`` and ``-`` are interchangeable, case ignored)."""
    key = str(name).strip().lower().replace("_", "-")
    if key not in RULES:
        raise ValueError(f"unknown selection rule {name!r}; choose one of {sorted(RULES)} "
                         "or an int / splitter for k-fold")
    return RULES[key]


def select_by_name(name: str, spectrum, alphas=None, *, rule: str = "min",
                   per_target: bool = True, warn_edge: bool = True, **options) -> Selection:
    """Choose λ on ``spectrum`` by the rule called ``name`` (see the module table).

    Parameters
    ----------
    name : str
    spectrum : Spectrum
        With its data attached (``spectrum.with_data(X, Y)``) for ``loo``.
    alphas : array-like or None
        None: the default grid (extended and refined continuously for loo and gcv).
    rule : {"min", "1se"}
        "1se" only for rules with standard errors (loo).
    per_target : bool
    **options
        ``df=`` for the ``df`` rule.
    """
    r = get_rule(name)
    unknown = set(options) - set(r.options)
    if unknown:
        raise TypeError(f"rule {r.name!r} takes no option(s) {sorted(unknown)}")
    if rule == "1se" and not r.has_se:
        raise ValueError(f"rule='1se' needs standard errors; {r.name!r} has none "
                         "(use 'loo' or k-fold)")
    if rule not in ("min", "1se"):
        raise ValueError(f"unknown rule {rule!r}; choose 'min' or '1se'")
    return r.select(spectrum, alphas, rule, per_target, warn_edge, options)
