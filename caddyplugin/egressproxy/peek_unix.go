//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package egressproxy

import "syscall"

// peekOpen reports whether the socket is open and has nothing to read: a
// peek that would block. EOF (the peer closed), a reset or unasked bytes
// all mean the connection is not fit for another request.
func peekOpen(raw syscall.RawConn) bool {
	var b [1]byte
	open := false
	err := raw.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		open = n < 0 && err == syscall.EAGAIN
		return true
	})
	return err == nil && open
}
