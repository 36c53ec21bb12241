package multiconnector

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// IsGlob reports whether path holds glob metacharacters (*, ?, [, {).
func IsGlob(path string) bool { return strings.ContainsAny(path, "*?[{") }

// hidden reports whether a file or directory name is one that writers
// such as Spark leave beside the data (_SUCCESS, .crc files, _temporary).
func hidden(name string) bool { return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") }

// Glob expands a pattern (`data/*.parquet`, `data/**/*.csv`; `**` crosses
// directories) to the regular files it matches, sorted, and the root the
// pattern's fixed prefix names (the directory Hive segments are relative
// to). Hidden and underscore-prefixed names are skipped.
func Glob(pattern string) (root string, paths []string, err error) {
	base, pat := doublestar.SplitPattern(filepath.ToSlash(pattern))
	if !doublestar.ValidatePattern(pat) {
		return "", nil, fmt.Errorf("multiconnector: glob %q: %w", pattern, doublestar.ErrBadPattern)
	}
	matches, err := doublestar.Glob(os.DirFS(base), pat, doublestar.WithFilesOnly(), doublestar.WithFailOnIOErrors())
	if err != nil {
		return "", nil, fmt.Errorf("multiconnector: glob %q: %w", pattern, err)
	}
	for _, m := range matches {
		if slices.ContainsFunc(strings.Split(m, "/"), hidden) {
			continue
		}
		paths = append(paths, filepath.Join(filepath.FromSlash(base), filepath.FromSlash(m)))
	}
	if len(paths) == 0 {
		return "", nil, fmt.Errorf("%w %q", ErrNoParts, pattern)
	}
	slices.Sort(paths)
	return filepath.FromSlash(base), paths, nil
}

// Dir lists the regular files under dir, recursively, sorted, skipping
// hidden and underscore-prefixed names.
func Dir(dir string) ([]string, error) {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && hidden(d.Name()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("multiconnector: %w", err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%w in directory %s", ErrNoParts, dir)
	}
	slices.Sort(paths)
	return paths, nil
}
