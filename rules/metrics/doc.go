// Package metrics computes the metric functions of dataset checks
// (row_count, completeness, mean, quantile, …) from mergeable states.
//
// Every metric is a State fed column by column, batch by batch. States of the
// same Spec merge in any order, so batches, goroutines and machines can
// combine their results. Exact metrics merge exactly; sketches (HyperLogLog
// for approx_distinct, KLL for median and quantile) merge within the error
// bounds documented on their constructors.
package metrics
