//go:build !unix

package egressproxy

import "time"

func processCPU() (time.Duration, bool) { return 0, false }
