//go:build !unix

package wire

func processCPU() int64 { return 0 }
