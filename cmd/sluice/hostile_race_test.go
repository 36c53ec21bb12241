//go:build race

package main

// raceEnabled: the race detector multiplies memory, so peak-memory bounds
// are not checked.
const raceEnabled = true
