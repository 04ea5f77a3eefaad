"""Every conversion between penalty conventions, stated once (framework-free).

One module per family of conventions, each importing nothing but ``math`` (and, inside
this package, only absolute imports of its siblings), so ``import ridgekit.conventions``
never pulls in torch, numpy or ridgekit's numerical core:

- :mod:`ridgekit.conventions.weight_decay` -- deep-learning settings: PyTorch
  ``weight_decay`` (coupled in SGD/Adam, lr-coupled in AdamW), Keras ``l2`` (no ½) and
  optimizer ``weight_decay``, optax (decoupled and L2-placed), ridge α on the summed
  loss, the AdamW paper's schedule-coupled decay, timescales (table:
  ``docs/conventions.md``).

- :mod:`ridgekit.conventions.logistic` -- L2-penalized logistic/multinomial regression:
  scikit-learn's ``C = 1/alpha`` and glmnet's binomial/multinomial ``lambda`` (1/n loss).
- :mod:`ridgekit.conventions.glmnet` -- glmnet's gaussian ``lambda`` and mixing ``alpha``
  against ridge α (:math:`\\alpha = n\\lambda/s_y`, s_y glmnet's population sd of y) and
  scikit-learn's ``ElasticNet(alpha, l1_ratio)``.

Further families live in sibling modules and are re-exported here.
"""

from ridgekit.conventions.glmnet import *  # noqa: F403
from ridgekit.conventions.glmnet import __all__ as _glmnet_all
from ridgekit.conventions.logistic import *  # noqa: F403
from ridgekit.conventions.logistic import __all__ as _logistic_all
from ridgekit.conventions.weight_decay import *  # noqa: F403
from ridgekit.conventions.weight_decay import __all__ as _weight_decay_all

__all__ = list(_weight_decay_all) + list(_logistic_all) + list(_glmnet_all)
