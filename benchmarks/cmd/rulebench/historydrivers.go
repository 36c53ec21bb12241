package main

// The history cases open SQLite stores: this links the driver the history
// package leaves out.
import _ "github.com/sluicedata/sluice/quality/history/sqlitestore"
