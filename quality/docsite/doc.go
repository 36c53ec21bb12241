// Package docsite builds a static documentation site of data quality from
// a history store and a lineage file: an index of datasets (owner, last
// verdict, a trend sparkline), a page per dataset (its runs and a chart per
// metric), a page per run (its verdict, rule outcomes, metrics and
// lineage), and the lineage graph across datasets and runs as inline SVG.
//
// Every page is one self-contained HTML file: inline CSS, no script, no
// font, image or other request to the network (a Content-Security-Policy
// of default-src 'none' says so to the browser). Links are relative, so the
// site works from file:// and from any static host.
//
// Build rebuilds incrementally: it renders every page and rewrites only the
// files whose content changed, so a new run rewrites the index, its
// dataset's page, its own page and the lineage page, and leaves the pages of
// earlier runs and of other datasets as they are. A run's page shows the
// history up to that run, and links only to earlier runs, so it does not
// change when later runs are added.
//
// The site shows what the store and the lineage file hold. Both keep
// values of pii.* columns redacted (see quality.WithHistory and the
// lineage facets), and the site adds no data of its own, so no value of a
// pii.* column appears on a page.
package docsite
