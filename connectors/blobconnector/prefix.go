package blobconnector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"gocloud.dev/blob"

	"github.com/sluicedata/sluice/connectors"
	"github.com/sluicedata/sluice/connectors/builtin"
	"github.com/sluicedata/sluice/connectors/multiconnector"
	"github.com/sluicedata/sluice/lineage"
)

// hidden reports whether a key segment is skipped when a prefix is listed:
// names starting with "." or "_" (_SUCCESS, _delta_log, .crc files), as for
// a local directory.
func hidden(seg string) bool { return strings.HasPrefix(seg, ".") || strings.HasPrefix(seg, "_") }

// listParts lists the objects under prefix (which ends in "/"),
// recursively, sorted, skipping hidden segments.
func listParts(ctx context.Context, b *blob.Bucket, prefix string) ([]string, error) {
	var keys []string
	it := b.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("blobconnector: listing %s: %w", prefix, err)
		}
		if obj.IsDir || strings.HasSuffix(obj.Key, "/") {
			continue
		}
		rel := strings.TrimPrefix(obj.Key, prefix)
		if slices.ContainsFunc(strings.Split(rel, "/"), hidden) {
			continue
		}
		keys = append(keys, obj.Key)
	}
	slices.Sort(keys)
	return keys, nil
}

// prefixSource reads every object under prefix as one dataset of parts
// (multiconnector): Hive key=value segments become columns, parts are read
// in key order. Each part's format is its extension's (or opts.Format).
func prefixSource(ctx context.Context, b *blob.Bucket, prefix string, ds lineage.Dataset, opts builtin.Options) (connectors.Source, error) {
	keys, err := listParts(ctx, b, prefix)
	if err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("blobconnector: %s/%s: %w", ds.Namespace, prefix, multiconnector.ErrNoParts)
	}
	// multiconnector works on slash paths: keys under the root "/"+prefix.
	root := "/" + strings.TrimSuffix(prefix, "/")
	paths := make([]string, len(keys))
	for i, k := range keys {
		if _, err := format(k, opts); err != nil {
			return nil, fmt.Errorf("blobconnector: part of %s/%s: %w", ds.Namespace, prefix, err)
		}
		paths[i] = "/" + k
	}
	open := func(p string) (connectors.Source, error) {
		key := strings.TrimPrefix(p, "/")
		f, err := format(key, opts)
		if err != nil {
			return nil, err
		}
		pds := lineage.Dataset{Namespace: ds.Namespace, Name: key}
		if f.Name == "parquet" {
			return NewParquetSource(b, key, pds), nil
		}
		po := opts
		po.SchemaHint = withoutKeys(opts.SchemaHint, strings.TrimPrefix(key, prefix))
		return NewSource(b, key, pds, func(local string) (connectors.Source, error) { return f.Source(local, po) }), nil
	}
	mo := []multiconnector.Option{multiconnector.WithSchemaHint(opts.SchemaHint), multiconnector.WithDataset(ds)}
	if opts.Parallelism > 0 {
		mo = append(mo, multiconnector.WithParallelism(opts.Parallelism))
	}
	return multiconnector.NewSource(root, paths, open, mo...)
}

// withoutKeys drops from hint the partition keys of the part at rel, which
// the part itself does not hold.
func withoutKeys(hint *arrow.Schema, rel string) *arrow.Schema {
	keys := multiconnector.HiveKeys(path.Clean(rel))
	if hint == nil || len(keys) == 0 {
		return hint
	}
	fields := slices.DeleteFunc(slices.Clone(hint.Fields()), func(f arrow.Field) bool { return slices.Contains(keys, f.Name) })
	md := hint.Metadata()
	return arrow.NewSchema(fields, &md)
}
