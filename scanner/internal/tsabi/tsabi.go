// Package tsabi holds copies of tree-sitter's internal C headers for
// scanner/flatten.c (see README.md). It has no Go code; the scanner imports
// it so that tools that copy only imported packages (go mod vendor) keep
// the headers.
package tsabi
