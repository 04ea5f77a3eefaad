# Reference values for ridgekit's glmnet and MASS conventions (tests/test_glmnet_conventions.py).
# Run:  Rscript tests/reference/glmnet_ridge.R > tests/reference/glmnet_ridge.json
# Needs R with glmnet and MASS (Debian: r-base-core r-cran-glmnet r-cran-mass).
# The data are generated here and written into the output, so the Python test needs no R.
suppressMessages({library(glmnet); library(MASS)})

num <- function(x) {
  if (length(x) == 0) return("[]")
  paste0("[", paste(sprintf("%.17g", as.numeric(x)), collapse = ", "), "]")
}
mat <- function(m) paste0("[", paste(apply(m, 1, num), collapse = ",\n  "), "]")
out <- list()
put <- function(name, value) out[[length(out) + 1]] <<- sprintf('"%s": %s', name, value)

set.seed(1)
n <- 60; p <- 6
Z <- matrix(rnorm(n * p), n, p)
X <- Z %*% chol(0.6 ^ abs(outer(1:p, 1:p, "-"))) %*% diag(c(1, 2, 0.5, 3, 1, 10))
beta <- c(1.5, -0.8, 0, 0.4, 0, 0.05)
y <- drop(3 + X %*% beta + rnorm(n) * 4)
w <- runif(n, 0.5, 2)
foldid <- sample(rep(1:5, length.out = n))
put("R_version", sprintf('"%s"', R.version.string))
put("glmnet_version", sprintf('"%s"', as.character(packageVersion("glmnet"))))
put("X", mat(X)); put("y", num(y)); put("weights", num(w)); put("foldid", num(foldid))

thresh <- 1e-14
# ridge at a few lambdas (gaussian, standardize = FALSE), unweighted and weighted
lam <- c(2, 0.5, 0.05)
fit <- glmnet(X, y, alpha = 0, lambda = lam, standardize = FALSE, thresh = thresh)
put("ridge_lambda", num(lam))
put("ridge_coef", mat(t(as.matrix(coef(fit)))))  # rows: lambda; cols: intercept, beta
fitw <- glmnet(X, y, alpha = 0, lambda = lam, standardize = FALSE, thresh = thresh, weights = w)
put("ridge_coef_weighted", mat(t(as.matrix(coef(fitw)))))

# elastic net (alpha = 0.5) and lasso
lam_en <- c(0.8, 0.2, 0.05)
fit <- glmnet(X, y, alpha = 0.5, lambda = lam_en, standardize = FALSE, thresh = thresh)
put("enet_lambda", num(lam_en)); put("enet_alpha", "0.5")
put("enet_coef", mat(t(as.matrix(coef(fit)))))
fit <- glmnet(X, y, alpha = 1, lambda = lam_en, standardize = FALSE, thresh = thresh)
put("lasso_coef", mat(t(as.matrix(coef(fit)))))

# cv.glmnet, ridge, over glmnet's own lambda sequence, passed explicitly: then every fold
# is fitted at exactly these lambdas (without `lambda =`, cv.glmnet fits each fold on its
# own sequence and interpolates the coefficients linearly to the master lambdas)
path <- glmnet(X, y, alpha = 0, standardize = FALSE, thresh = thresh, nlambda = 60)$lambda
cvf <- cv.glmnet(X, y, alpha = 0, standardize = FALSE, foldid = foldid, thresh = thresh,
                 lambda = path)
put("cv_lambda", num(cvf$lambda)); put("cv_cvm", num(cvf$cvm)); put("cv_cvsd", num(cvf$cvsd))
put("cv_lambda_min", num(cvf$lambda.min)); put("cv_lambda_1se", num(cvf$lambda.1se))
put("cv_index_min", num(which(cvf$lambda == cvf$lambda.min)))  # 1-based
put("cv_index_1se", num(which(cvf$lambda == cvf$lambda.1se)))
pathw <- glmnet(X, y, alpha = 0, standardize = FALSE, thresh = thresh, nlambda = 60,
                weights = w)$lambda
cvw <- cv.glmnet(X, y, alpha = 0, standardize = FALSE, foldid = foldid, thresh = thresh,
                 lambda = pathw, weights = w)
put("cvw_lambda", num(cvw$lambda)); put("cvw_cvm", num(cvw$cvm)); put("cvw_cvsd", num(cvw$cvsd))
put("cvw_index_min", num(which(cvw$lambda == cvw$lambda.min)))
put("cvw_index_1se", num(which(cvw$lambda == cvw$lambda.1se)))

# the default call: each fold on its own lambda sequence, coefficients interpolated to
# the master lambdas (alignment = "lambda")
cvd <- cv.glmnet(X, y, alpha = 0, standardize = FALSE, foldid = foldid, thresh = thresh)
put("cvd_lambda", num(cvd$lambda)); put("cvd_cvm", num(cvd$cvm)); put("cvd_cvsd", num(cvd$cvsd))
put("cvd_index_min", num(which(cvd$lambda == cvd$lambda.min)))
put("cvd_index_1se", num(which(cvd$lambda == cvd$lambda.1se)))
cvdw <- cv.glmnet(X, y, alpha = 0, standardize = FALSE, foldid = foldid, thresh = thresh,
                  weights = w)
put("cvdw_lambda", num(cvdw$lambda)); put("cvdw_cvm", num(cvdw$cvm))
put("cvdw_cvsd", num(cvdw$cvsd))
put("cvdw_index_min", num(which(cvdw$lambda == cvdw$lambda.min)))
put("cvdw_index_1se", num(which(cvdw$lambda == cvdw$lambda.1se)))

# MASS::lm.ridge on Longley (Employed ~ .): GCV over a grid starting at 0, HKB, L-W
data(longley)
lr <- lm.ridge(Employed ~ ., data = longley, lambda = seq(0, 0.1, 0.0005))
put("longley_X", mat(as.matrix(longley[, names(longley) != "Employed"])))
put("longley_y", num(longley$Employed))
put("mass_lambda", num(lr$lambda)); put("mass_gcv", num(lr$GCV))
put("mass_kHKB", num(lr$kHKB)); put("mass_kLW", num(lr$kLW))
put("mass_select_gcv", num(lr$lambda[which.min(lr$GCV)]))
put("mass_coef_0.01", num(coef(lm.ridge(Employed ~ ., data = longley, lambda = 0.01))))

cat("{\n", paste(out, collapse = ",\n"), "\n}\n", sep = "")
