package quality

// The tests keep history in SQLite: the store's driver is linked only where
// a program asks for it.
import _ "github.com/sluicedata/sluice/quality/history/sqlitestore"
