// Package importers turns the quality checks of other tools into Sluice rule
// files, and proposes rule files from the data itself.
//
// A translation produces a File: the rule file's contents plus the notes of
// everything that could not be translated. File.YAML renders it as a rule
// file that rules.Parse accepts; every untranslated check appears there as a
// comment with the reason, so nothing is dropped silently.
//
// Subpackages: gx reads Great Expectations expectation suites, soda reads
// SodaCL check files, dbt reads dbt schema files (the tests of models,
// sources and seeds), suggest profiles a dataset and proposes rules the way
// Deequ's constraint suggestions do.
package importers
