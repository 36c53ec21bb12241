package fileio

import (
	"os"
	"syscall"
)

// pipefsMagic is the file system type of anonymous pipes (linux/magic.h).
const pipefsMagic = 0x50495045

// anonymousPipe reports whether f is an anonymous pipe (a shell's
// `cmd | sluice check /dev/stdin`): its writer cannot appear later, so a
// read of 0 bytes is the end.
func anonymousPipe(f *os.File) bool {
	rc, err := f.SyscallConn()
	if err != nil {
		return false
	}
	var st syscall.Statfs_t
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = syscall.Fstatfs(int(fd), &st) }); err != nil || serr != nil {
		return false
	}
	return st.Type == pipefsMagic
}
