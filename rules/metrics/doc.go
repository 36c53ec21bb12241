// Package metrics computes the metric functions of dataset checks
// (row_count, completeness, mean, quantile, …) from mergeable states.
//
// Every metric is a State made by New for a Spec and the Arrow types of its
// columns, fed column by column, batch by batch with Update, and read with
// Result. States of the same Spec merge in any order, so batches,
// goroutines and machines can combine their results. A State is not safe
// for concurrent use; give each goroutine its own and Merge them.
//
// Exact metrics merge exactly: counts, min/max, lengths, distinct_count,
// duplicate_count, unique_ratio and most_common (exact hash maps of the
// values). sum, mean and stddev are floating point (compensated sum;
// Welford moments merged with Chan et al.'s formula), equal across merges
// up to rounding. Two metrics use sketches:
//
//   - approx_distinct is a HyperLogLog sketch with 2^14 registers over a
//     fixed-seed xxh3 hash and Ertl's improved estimator: relative standard
//     error StdErrorApproxDistinct ≈ 0.81% (99% of estimates within ±2.1%),
//     16 KiB per state. Merging is exact: the merge of sketches equals the
//     sketch of all the data.
//   - median and quantile keep up to 4096 values exactly (results are then
//     exact, interpolated linearly between closest ranks as numpy does), and
//     beyond that a KLL sketch with k=200 whose answer has a normalized rank
//     error within RankErrorQuantile = 1.33% with 99% confidence, whole or
//     merged. Compaction coin flips come from a fixed-seed generator, so
//     results are reproducible.
//
// Undefined metrics (the mean of no values, the min of an all-null column,
// the completeness of no rows) have the result nil, so a check reading them
// is not evaluated rather than passed. NaN is skipped by the numeric
// metrics and counted as one value by the counting ones; see New for the
// result type of every function.
package metrics
