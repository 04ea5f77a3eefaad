"""L2-penalized logistic and multinomial regression: the Newton room.

- :mod:`~ridgekit.glm._family` -- binomial and multinomial likelihoods in the linear
  predictor;
- :mod:`~ridgekit.glm._design` -- the design ``[1 | X]`` (dense or sparse) as an operator,
  weighted Grams summed over row blocks;
- :mod:`~ridgekit.glm._newton` -- damped Newton: Cholesky (IRLS), block-preconditioned CG,
  truncated Newton;
- :mod:`~ridgekit.glm._problem` -- one problem (design, response, weights, penalty), its
  null model and default grid;
- :mod:`~ridgekit.glm.path` -- warm-started paths, df, the :class:`LogisticPath` object;
- :mod:`~ridgekit.glm.alo` -- approximate leave-one-out: ``alo_path`` solves every λ of a
  binomial grid together on anchored eigenbases, with the leverages of every λ from one
  product per anchor (``LogisticRidgeCV(cv="alo")``; ``method="exact"`` forms each λ's
  Hessian), and the Rad--Maleki step from a Newton factor;
- :mod:`~ridgekit.glm.anchor` -- binomial paths by chord Newton on anchored eigenbases
  (k-fold's full-data path, df per λ);
- :mod:`~ridgekit.glm.enet` -- the elastic-net penalty (``l1_ratio > 0``) by proximal
  Newton with coordinate-descent subproblems from :mod:`ridgekit.sparse`;
- :mod:`~ridgekit.glm.folds` -- all k-fold paths in lockstep, sharing passes over X;
- :mod:`~ridgekit.glm.scoring` -- held-out errors (deviance, log-loss, accuracy, AUC).

The scikit-learn estimators on top live in :mod:`ridgekit.linear_model`.
"""

from ridgekit.glm._design import Design
from ridgekit.glm._family import Binomial, Multinomial, family_for
from ridgekit.glm._newton import NewtonResult, newton
from ridgekit.glm._problem import Problem, choose_mode
from ridgekit.glm.alo import alo_eta
from ridgekit.glm.folds import fold_paths
from ridgekit.glm.path import ConvergenceWarning, LogisticPath, fit_path
from ridgekit.glm.scoring import BUILTIN_SCORES, pointwise_error, set_error

__all__ = [
    "Design", "Binomial", "Multinomial", "family_for", "NewtonResult", "newton",
    "Problem", "choose_mode", "alo_eta", "fold_paths", "ConvergenceWarning", "LogisticPath",
    "fit_path",
    "BUILTIN_SCORES", "pointwise_error", "set_error",
]
