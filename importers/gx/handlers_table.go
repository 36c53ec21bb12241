package gx

import (
	"fmt"
	"strings"

	"github.com/sluicedata/sluice/importers"
)

// The table-level translations in this file register after handlers.go
// (files initialize in name order). They read the data's layout through the
// dataset-check functions column_count() and columns(), which see the
// columns of the data as read, in order, not the rule file's declarations
// (docs/rules.md, "Table layout"), and another table's size through
// row_count('path').
func init() {
	for typ, h := range map[string]handler{
		"expect_table_column_count_to_equal":          columnCountEqual,
		"expect_table_column_count_to_be_between":     columnCountBetween,
		"expect_table_columns_to_match_ordered_list":  columnsOrdered,
		"expect_table_columns_to_match_set":           columnsSet,
		"expect_column_to_exist":                      columnExistsAt,
		"expect_table_row_count_to_equal_other_table": rowCountOtherTable,
	} {
		handlers[typ] = h
	}
}

// wholeNumber reads an integer argument; GX refuses anything else.
func wholeNumber(kw kwargs, k string) (int64, error) {
	f, ok := number(kw[k])
	if !ok || f != float64(int64(f)) {
		return 0, invalid(fmt.Sprintf("%s must be an integer, not %s", k, show(kw[k])))
	}
	return int64(f), nil
}

func celList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = importers.CELString(n)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func columnCountEqual(t *translator, kw kwargs) (spec, error) {
	n, err := wholeNumber(kw, "value")
	if err != nil {
		return spec{}, err
	}
	return spec{name: "table.column_count", check: fmt.Sprintf("column_count() == %d", n)}, nil
}

func columnCountBetween(t *translator, kw kwargs) (spec, error) {
	if err := wholeBounds(kw); err != nil {
		return spec{}, err
	}
	if err := orderedBounds(kw); err != nil {
		return spec{}, err
	}
	if !kw.has("min_value") && !kw.has("max_value") {
		// GX passes vacuously; the check still reports the count.
		return spec{name: "table.column_count", check: "column_count() >= 0"}, nil
	}
	e, err := t.bounds("column_count()", kindInt, kw)
	if err != nil {
		return spec{}, err
	}
	return spec{name: "table.column_count", check: e}, nil
}

// columnsOrdered: the data's columns are exactly column_list, in order. No
// list passes vacuously in GX.
func columnsOrdered(t *translator, kw kwargs) (spec, error) {
	if !kw.has("column_list") {
		return spec{name: "table.columns", check: "column_count() >= 0"}, nil
	}
	cols, err := kw.strings("column_list")
	if err != nil {
		return spec{}, err
	}
	return spec{name: "table.columns", check: "columns() == " + celList(cols)}, nil
}

// columnsSet: with exact_match (GX's default) the data's columns are the
// set, in any order; without it the data has every column of the set and
// may have more. No set is the empty set.
func columnsSet(t *translator, kw kwargs) (spec, error) {
	var set []string
	if kw.has("column_set") {
		var err error
		if set, err = kw.strings("column_set"); err != nil {
			return spec{}, err
		}
	}
	exact := true
	if kw.has("exact_match") {
		b, ok := kw["exact_match"].(bool)
		if !ok {
			return spec{}, invalid(fmt.Sprintf("exact_match must be true or false, not %s", show(kw["exact_match"])))
		}
		exact = b
	}
	list := celList(set)
	var parts []string
	if len(set) > 0 {
		parts = append(parts, list+".all(c, c in columns())")
	}
	if exact {
		if len(set) == 0 {
			parts = append(parts, "column_count() == 0")
		} else {
			parts = append(parts, "columns().all(c, c in "+list+")")
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "column_count() >= 0")
	}
	return spec{name: "table.columns_set", check: strings.Join(parts, " && ")}, nil
}

// columnExistsAt declares the column; with column_index (0-based, as in
// GX) it is a check on the column's position instead, which fails as well
// when the column is missing.
func columnExistsAt(t *translator, kw kwargs) (spec, error) {
	c, err := column(kw)
	if err != nil {
		return spec{}, err
	}
	if !kw.has("column_index") {
		return spec{column: &importers.Column{Key: c}}, nil
	}
	i, err := wholeNumber(kw, "column_index")
	if err != nil {
		return spec{}, err
	}
	if i < 0 {
		return spec{}, invalid("column_index must not be negative")
	}
	return spec{name: c + ".column_index",
		check: fmt.Sprintf("size(columns()) > %d && columns()[%d] == %s", i, i, importers.CELString(c))}, nil
}

// rowCountOtherTable compares the row count with another dataset's. GX
// names a table of the same datasource; Sluice reads a dataset by path or
// URL, so the name is written as a path relative to the rule file.
func rowCountOtherTable(t *translator, kw kwargs) (spec, error) {
	other, err := kw.str("other_table_name")
	if err != nil {
		return spec{}, err
	}
	if strings.TrimSpace(other) == "" {
		return spec{}, invalid("other_table_name is empty")
	}
	return spec{name: "table.row_count_equals_other", check: "row_count() == row_count(" + importers.CELString(other) + ")",
		partial: fmt.Sprintf("other_table_name %q is read as a dataset path relative to the rule file (or a URL): point it at that table's file or database URL", other)}, nil
}
