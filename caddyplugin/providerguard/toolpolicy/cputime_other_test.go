//go:build !unix

package toolpolicy

func processCPU() int64 { return 0 }
