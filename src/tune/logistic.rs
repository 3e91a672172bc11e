//! L2-regularized logistic regression by Newton's method: small, exact and
//! deterministic (a handful of features, a few thousand rows).

/// Fits `p = σ(bias + w·x)` to `(x, y)` rows. `l2` penalizes the weights
/// (not the bias). Returns `(bias, weights)`.
///
/// ```
/// use madoguchi::tune::fit_logistic;
/// // y is 1 exactly when x > 0.5.
/// let rows: Vec<(Vec<f32>, bool)> = (0..100).map(|i| (vec![i as f32 / 100.0], i > 50)).collect();
/// let (bias, w) = fit_logistic(&rows, 0.01);
/// let p = |x: f32| 1.0 / (1.0 + (-(bias + w[0] * x)).exp());
/// assert!(p(0.9) > 0.9 && p(0.1) < 0.1);
/// ```
pub fn fit_logistic(rows: &[(Vec<f32>, bool)], l2: f64) -> (f32, Vec<f32>) {
    let dims = rows.first().map(|r| r.0.len()).unwrap_or(0);
    let n = dims + 1;
    // theta[0] is the bias.
    let mut theta = vec![0.0f64; n];
    for _ in 0..50 {
        let mut grad = vec![0.0f64; n];
        let mut hess = vec![vec![0.0f64; n]; n];
        for (x, y) in rows {
            let xi: Vec<f64> = std::iter::once(1.0).chain(x.iter().map(|v| *v as f64)).collect();
            let z: f64 = theta.iter().zip(&xi).map(|(t, v)| t * v).sum();
            let p = 1.0 / (1.0 + (-z).exp());
            let err = p - if *y { 1.0 } else { 0.0 };
            let w = (p * (1.0 - p)).max(1e-9);
            for i in 0..n {
                grad[i] += err * xi[i];
                for j in 0..n {
                    hess[i][j] += w * xi[i] * xi[j];
                }
            }
        }
        for i in 1..n {
            grad[i] += l2 * theta[i];
            hess[i][i] += l2;
        }
        hess[0][0] += 1e-9;
        let Some(step) = solve(hess, grad) else { break };
        let mut change = 0.0f64;
        for i in 0..n {
            theta[i] -= step[i];
            change = change.max(step[i].abs());
        }
        if change < 1e-7 {
            break;
        }
    }
    (theta[0] as f32, theta[1..].iter().map(|v| *v as f32).collect())
}

/// Solves `a · x = b` by Gaussian elimination with partial pivoting.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let (done, rest) = a.split_at_mut(col + 1);
        let pivot_row = &done[col];
        for (i, row) in rest.iter_mut().enumerate() {
            let f = row[col] / pivot_row[col];
            for (x, p) in row[col..n].iter_mut().zip(&pivot_row[col..n]) {
                *x -= f * p;
            }
            b[col + 1 + i] -= f * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::solve;

    #[test]
    fn solves_a_system_that_needs_pivoting() {
        // x = (1, 2, 3); the first pivot is 0, so rows must be swapped.
        let a = vec![vec![0.0, 1.0, 1.0], vec![2.0, 0.0, 1.0], vec![1.0, 3.0, 0.0]];
        let b = vec![5.0, 5.0, 7.0];
        let x = solve(a, b).expect("regular");
        for (got, want) in x.iter().zip([1.0, 2.0, 3.0]) {
            assert!((got - want).abs() < 1e-9, "{x:?}");
        }
        assert!(solve(vec![vec![1.0, 2.0], vec![2.0, 4.0]], vec![1.0, 2.0]).is_none(), "singular");
    }
}
