package dbt_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluicedata/sluice/importers/dbt"
	"github.com/sluicedata/sluice/rules"
)

const schema = `version: 2
models:
  - name: orders
    description: One row per order.
    meta: {owner: "sales@example.com"}
    columns:
      - name: order_id
        data_type: integer
        data_tests: [unique, not_null]
      - name: status
        data_tests:
          - accepted_values:
              arguments: {values: [placed, shipped]}
              config: {severity: warn}
      - name: customer_id
        data_tests:
          - relationships: {to: "ref('customers')", field: customer_id}
          - dbt_utils.equal_rowcount: {compare_model: "ref('x')"}
`

func TestImport(t *testing.T) {
	files, err := dbt.Import("schema.yml", []byte(schema), dbt.Options{Ref: func(n string) (string, error) { return n + ".csv", nil }})
	require.NoError(t, err)
	require.Len(t, files, 1)
	f := files[0]
	assert.Equal(t, "orders", f.Dataset)
	assert.Equal(t, "sales@example.com", f.Owner)
	got := map[string]string{}
	for _, r := range f.Rules {
		got[r.Name] = r.Expr + r.Check + "|" + r.Severity
	}
	assert.Equal(t, map[string]string{
		"order_id.unique_non_null":  "distinct_count(order_id) == row_count() - null_count(order_id)|",
		"order_id.not_null":         "order_id != null|",
		"status.accepted_values":    `status in ["placed", "shipped"]|warn`,
		"customer_id.relationships": `missing_references(customer_id, "customers.csv", "customer_id") == 0|`,
	}, got)
	require.Len(t, f.Notes, 1)
	assert.Contains(t, f.Notes[0].Source, "schema.yml:18:13:")
	_, err = rules.Parse("orders.yaml", f.YAML())
	assert.NoError(t, err)
}

func TestImportNotSchema(t *testing.T) {
	_, err := dbt.Import("x.yml", []byte("foo: 1\n"), dbt.Options{})
	assert.ErrorIs(t, err, dbt.ErrNotSchema)
}
